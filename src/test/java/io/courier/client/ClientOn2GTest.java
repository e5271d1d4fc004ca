package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.courier.support.ServerTest;
import io.courier.support.TcpProxy;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;

/** A phone on a 2G link (200 kbit/s, 500 ms round trip) registers, receives in order, and ticks both ways. */
@QuarkusTest
class ClientOn2GTest extends ServerTest {

    private ClientHarness registered(io.grpc.Channel via) {
        return ClientHarness.registered(via, ClientStore.inMemory(), randomPhoneNumber(), verificationCodes);
    }

    @Test
    void aPhoneOnA2gLinkGetsEveryMessageInOrderWithTicks() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        try (TcpProxy twoG = new TcpProxy(port, 200_000, Duration.ofMillis(250))) {
            ManagedChannel slow = ManagedChannelBuilder.forAddress("127.0.0.1", twoG.port()).usePlaintext().build();
            try (ClientHarness phone = registered(slow).online(); ClientHarness alice = registered(channel).online()) {
                UUID phoneAccount = phone.client.credentials().accountId();
                List<Long> sent = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    String body = "message " + i + " " + "x".repeat(1000);
                    sent.add(alice.client.send(phoneAccount, text(body)).block()
                            .serverId());
                }

                List<Long> received = new ArrayList<>();
                IncomingMessage last = null;
                for (int i = 0; i < 10; i++) {
                    last = phone.nextMessage();
                    assertThat(text(last)).startsWith("message " + i + " ");
                    received.add(last.serverId());
                }
                assertThat(received).containsExactlyElementsOf(sent);

                phone.client.markRead(last);
                List<Tick> ticks = new ArrayList<>();
                Tick tick;
                do {
                    tick = alice.nextTick();
                    ticks.add(tick);
                } while (tick.state() != Tick.State.READ);
                assertThat(ticks).filteredOn(t -> t.state() == Tick.State.SENT).extracting(Tick::serverId)
                        .containsExactlyElementsOf(sent);
                // The read of the last message may overtake its (batched) ack: READ implies DELIVERED then.
                assertThat(ticks).filteredOn(t -> t.state() != Tick.State.SENT).extracting(Tick::serverId)
                        .containsAll(sent.subList(0, 9)).contains(last.serverId());
                assertThat(tick.serverId()).isEqualTo(last.serverId());
            } finally {
                slow.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
