package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.courier.support.LinkModel;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.courier.support.TcpProxy;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A phone whose connection drops, or whose stream another connection took over, reconnects by itself and gets what
 * was sent meanwhile, once.
 */
@QuarkusTest
class ClientReconnectTest extends ServerTest {

    private ClientHarness registered(io.grpc.Channel via) {
        return ClientHarness.registered(via, ClientStore.inMemory(), randomPhoneNumber(), verificationCodes);
    }

    @Test
    void aDroppedConnectionIsReestablishedAndMissedMessagesArriveOnce() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        try (TcpProxy proxy = new TcpProxy(port)) {
            ManagedChannel flaky = ManagedChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
            try (ClientHarness bob = registered(flaky).online(); ClientHarness alice = registered(channel).online()) {
                var bobAccount = bob.client.credentials().accountId();
                alice.client.send(bobAccount, text("before")).block();
                assertThat(text(bob.nextMessage())).isEqualTo("before");

                proxy.dropConnections();
                bob.awaitEvent(ConnectionEvent.DISCONNECTED);
                alice.client.send(bobAccount, text("while away")).block();

                bob.awaitEvent(ConnectionEvent.DRAINED);
                assertThat(text(bob.nextMessage())).isEqualTo("while away");
                alice.client.send(bobAccount, text("after")).block();
                assertThat(text(bob.nextMessage())).isEqualTo("after");
                assertThat(bob.messages).as("nothing twice").isEmpty();
            } finally {
                flaky.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * While the link is down the channel's connection attempts back off (1 s, 1.6 s, 2.6 s, 4.1 s, then 6.6 s ± 20 %:
     * grpc-java's defaults). Told the network is back right after the fifth attempt, the phone has the message
     * sent meanwhile within 3 s, well before a sixth attempt (≥ 5.2 s later) would have connected.
     */
    @Test
    void networkAvailableReconnectsWithoutWaitingOutTheGrownBackoff() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        LinkModel link = LinkModel.shaped(0, Duration.ZERO);
        try (TcpProxy proxy = new TcpProxy(port, link)) {
            ManagedChannel phone = ManagedChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
            try (ClientHarness bob = registered(phone).online(); ClientHarness alice = registered(channel).online()) {
                link.cut();
                bob.awaitEvent(ConnectionEvent.DISCONNECTED);
                int before = proxy.connectionAttempts();
                alice.client.send(bob.client.credentials().accountId(), text("while away"))
                        .block();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                        .until(() -> proxy.connectionAttempts() >= before + 5);

                link.restore();
                bob.client.networkAvailable();

                await().atMost(Duration.ofSeconds(3)).until(() -> !bob.messages.isEmpty());
                assertThat(text(bob.nextMessage())).isEqualTo("while away");
            } finally {
                phone.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aStreamSupersededByAStreamTheClientDidNotOpenIsTakenBack() {
        try (ClientHarness bob = registered(channel).online(); ClientHarness alice = registered(channel).online()) {
            try (RawStream other = new RawStream(channel, bob.client.credentials().authToken())) {
                bob.awaitEvent(ConnectionEvent.DISCONNECTED);
                assertThat(other.awaitClosed().getCode()).as("superseded by the SDK's new stream")
                        .isEqualTo(Status.Code.ALREADY_EXISTS);
            }
            bob.awaitEvent(ConnectionEvent.DRAINED);

            alice.client.send(bob.client.credentials().accountId(), text("still here"))
                    .block();
            assertThat(text(bob.nextMessage())).isEqualTo("still here");
        }
    }
}
