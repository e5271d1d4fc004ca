package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.Receipt;
import io.courier.support.LinkModel;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.courier.support.TcpProxy;
import io.courier.support.WireFrames;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The SDK asks for compact frames: it derives times and 1:1 recipients exactly, and acks receipts late (they are
 * already shown), without losing an ack or showing a tick twice when the link drops meanwhile.
 */
@QuarkusTest
class ClientCompactFramesTest extends ServerTest {

    private ClientHarness registered(io.grpc.Channel via, ClientStore store) {
        return ClientHarness.registered(via, store, randomPhoneNumber(), verificationCodes);
    }

    private static UUID account(ClientHarness h) {
        return h.client.credentials().accountId();
    }

    @Test
    void sentAndReceivedTimesAgreeAndTicksNameTheRecipient() {
        try (ClientHarness alice = registered(channel, ClientStore.inMemory()).online();
                ClientHarness bob = registered(channel, ClientStore.inMemory()).online()) {
            SentMessage sent = alice.client.send(account(bob), text("hello")).block();
            IncomingMessage got = bob.nextMessage();

            assertThat(got.serverId()).isEqualTo(sent.serverId());
            assertThat(got.serverTime()).as("both derived from the same server id and offset")
                    .isEqualTo(sent.serverTime()).isAfter(java.time.Instant.parse("2025-01-01T00:00:00Z"));
            assertThat(alice.nextTick()).isEqualTo(new Tick(sent.serverId(), account(bob), Tick.State.SENT));
            assertThat(alice.nextTick()).isEqualTo(new Tick(sent.serverId(), account(bob), Tick.State.DELIVERED));
            bob.client.markRead(got);
            assertThat(alice.nextTick()).isEqualTo(new Tick(sent.serverId(), account(bob), Tick.State.READ));
        }
    }

    @Test
    void aReceiptForAMessageTheDeviceNoLongerRemembersNamesItsRecipientFromTheServer() {
        ClientStore aliceStore = ClientStore.inMemory();
        ClientHarness alice = registered(channel, aliceStore).online();
        SentMessage sent;
        try (ClientHarness bob = registered(channel, ClientStore.inMemory()).online()) {
            sent = alice.client.send(account(bob), text("long ago")).block();
            alice.close(); // offline: the receipt waits in its inbox
            bob.nextMessage();

            // An app restart: recipients are remembered in memory only, so the new client asks the server.
            try (ClientHarness again = new ClientHarness(CourierClient.create(channel, aliceStore)).online()) {
                assertThat(again.nextTick())
                        .isEqualTo(new Tick(sent.serverId(), account(bob), Tick.State.DELIVERED));
            }
        }
    }

    @Test
    void aReceiptWhoseAckWasWaitingWhenTheLinkDroppedComesAgainTicksOnceAndIsAckedLater() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        LinkModel link = LinkModel.shaped(0, Duration.ZERO);
        link.startTrace(); // from the connection's first bytes: frames are read from the HTTP/2 preface on
        try (TcpProxy proxy = new TcpProxy(port, link)) {
            ManagedChannel phone = ManagedChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
            try (ClientHarness alice = registered(phone, ClientStore.inMemory()).online();
                    ClientHarness bob = registered(channel, ClientStore.inMemory()).online()) {
                // Bob answers the new session with a session ack, which alice acks: then her acks are quiet.
                SentMessage hello = alice.client.send(account(bob), text("hello")).block();
                bob.nextMessage();
                assertThat(alice.nextTick()).isEqualTo(new Tick(hello.serverId(), account(bob), Tick.State.SENT));
                assertThat(alice.nextTick()).isEqualTo(new Tick(hello.serverId(), account(bob), Tick.State.DELIVERED));
                await().atMost(Duration.ofSeconds(20)).until(() -> everyDeliveryAckedOnTheWire(link));

                SentMessage first = alice.client.send(account(bob), text("first")).block();
                bob.nextMessage();
                assertThat(alice.nextTick().state()).isEqualTo(Tick.State.SENT);
                assertThat(alice.nextTick()).isEqualTo(new Tick(first.serverId(), account(bob), Tick.State.DELIVERED));

                proxy.dropConnections(); // well before the receipt's ack was due
                alice.awaitEvent(ConnectionEvent.DISCONNECTED);
                alice.awaitEvent(ConnectionEvent.DRAINED);
                SentMessage second = alice.client.send(account(bob), text("second")).block();
                assertThat(alice.nextTick()).as("the redelivered receipt ticked nothing")
                        .isEqualTo(new Tick(second.serverId(), account(bob), Tick.State.SENT));

                List<Receipt> receipts = receiptsOnTheWire(link, first.serverId());
                assertThat(receipts).as("delivered on the first connection, again on the second").hasSize(2);
                long receiptId = receipts.get(0).getServerId();
                assertThat(receipts.get(1).getServerId()).isEqualTo(receiptId);
                await().atMost(CourierClient.RECEIPT_ACK_DELAY.plusSeconds(10))
                        .until(() -> ackedOnTheWire(link, receiptId));

                alice.close();
                String token = alice.client.credentials().authToken();
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    try (RawStream raw = new RawStream(channel, token)) {
                        return raw.drain().stream().noneMatch(f -> f.hasReceipt()
                                && f.getReceipt().getServerId() == receiptId);
                    }
                });
            } finally {
                phone.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static List<Receipt> receiptsOnTheWire(LinkModel link, long messageServerId) {
        return WireFrames.messages(WireFrames.frames(link.trace())).stream()
                .filter(m -> m.decoded() instanceof ConnectResponse r && r.hasReceipt()
                        && r.getReceipt().getMessageServerId() == messageServerId)
                .map(m -> ((ConnectResponse) m.decoded()).getReceipt()).toList();
    }

    private static boolean everyDeliveryAckedOnTheWire(LinkModel link) {
        List<WireFrames.GrpcMessage> messages = WireFrames.messages(WireFrames.frames(link.trace()));
        List<Long> delivered = messages.stream().filter(m -> m.decoded() instanceof ConnectResponse r
                && r.hasDelivery()).map(m -> ((ConnectResponse) m.decoded()).getDelivery().getServerId()).toList();
        return !delivered.isEmpty() && delivered.stream().allMatch(id -> ackedOnTheWire(link, id));
    }

    private static boolean ackedOnTheWire(LinkModel link, long serverId) {
        return WireFrames.messages(WireFrames.frames(link.trace())).stream()
                .anyMatch(m -> m.decoded() instanceof ConnectRequest r && r.hasAck()
                        && r.getAck().getServerIdsList().contains(serverId));
    }
}
