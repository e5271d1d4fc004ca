package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.EnvelopeType;
import io.courier.common.Ids;
import io.courier.support.LinkModel;
import io.courier.support.ServerTest;
import io.courier.support.TcpProxy;
import io.courier.support.WireFrames;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A one-way chat: the recipient answers a new session once with an empty message the app never sees, so the sender's
 * next message is a plain SignalMessage instead of a PreKeySignalMessage (≈ 1.7 KB more with PQXDH).
 */
@QuarkusTest
class SessionAckTest extends ServerTest {

    @Test
    void theRecipientAnswersANewSessionSoTheSendersNextMessageCarriesNoPrekeyHeader() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        LinkModel link = LinkModel.shaped(0, Duration.ZERO);
        link.startTrace();
        ClientStore aliceStore = ClientStore.inMemory();
        ClientHarness.registered(channel, aliceStore, randomPhoneNumber(), verificationCodes).close();
        ClientStore bobStore = ClientStore.inMemory();
        ClientHarness.registered(channel, bobStore, randomPhoneNumber(), verificationCodes).close();
        // Bob is 500 ms away: his answer can't reach Alice before she has sent her first two messages.
        try (TcpProxy proxy = new TcpProxy(port, link);
                TcpProxy far = new TcpProxy(port, LinkModel.shaped(0, Duration.ofMillis(500)))) {
            ManagedChannel traced = ManagedChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext()
                    .build();
            ManagedChannel slow = ManagedChannelBuilder.forAddress("127.0.0.1", far.port()).usePlaintext().build();
            try (ClientHarness alice = new ClientHarness(CourierClient.create(traced, aliceStore)).online();
                    ClientHarness bob = new ClientHarness(CourierClient.create(slow, bobStore)).online()) {
                UUID bobAccount = bob.client.credentials().accountId();
                // One after the other: two first sends at once would start two sessions.
                alice.client.send(bobAccount, text("first")).block();
                alice.client.send(bobAccount, text("second")).block();
                assertThat(List.of(text(bob.nextMessage()), text(bob.nextMessage())))
                        .containsExactly("first", "second");
                // Bob's answer reaches Alice's stream as a delivery of its own.
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !deliveriesTo(link).isEmpty());

                alice.client.send(bobAccount, text("third")).block();
                assertThat(text(bob.nextMessage())).isEqualTo("third");

                assertThat(sentEnvelopeTypes(link, bobAccount)).containsExactly(EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE,
                        EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE, EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE);
                assertThat(deliveriesTo(link)).as("answered once, not per message").hasSize(1);
                assertThat(alice.messages).as("the answer is the SDK's, not the app's").isEmpty();
            } finally {
                traced.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                slow.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The envelope type of every message Alice's stream sent to {@code recipient} (not other sends, e.g. syncs); null
     * for a send without envelopes, so the assertion shows it.
     */
    private static List<EnvelopeType> sentEnvelopeTypes(LinkModel link, UUID recipient) {
        ByteString to = Ids.bytes(recipient);
        return WireFrames.messages(WireFrames.frames(link.trace())).stream()
                .filter(m -> m.decoded() instanceof ConnectRequest r && r.hasSend()
                        && r.getSend().getRecipientAccountId().equals(to))
                .map(m -> ((ConnectRequest) m.decoded()).getSend())
                .map(send -> send.getEnvelopesCount() == 0 ? null : send.getEnvelopes(0).getType()).toList();
    }

    private static List<ConnectResponse> deliveriesTo(LinkModel link) {
        return WireFrames.messages(WireFrames.frames(link.trace())).stream()
                .filter(m -> m.decoded() instanceof ConnectResponse r && r.hasDelivery())
                .map(m -> (ConnectResponse) m.decoded()).toList();
    }
}
