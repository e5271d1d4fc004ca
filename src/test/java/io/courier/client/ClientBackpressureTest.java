package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;

import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.BaseSubscriber;

/**
 * An app that takes messages slower than they arrive: backpressure flows from the app through the SDK to the
 * server, nothing is acked before the app has it, and nothing un-handled is lost when the client dies.
 */
@QuarkusTest
class ClientBackpressureTest extends ServerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** An app that takes a message only when asked to, one at a time. */
    private static final class SlowApp extends BaseSubscriber<IncomingMessage> {
        final BlockingQueue<IncomingMessage> handled = new LinkedBlockingQueue<>();
        final Set<Long> handledIds = ConcurrentHashMap.newKeySet();

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            // no demand until the app is ready
        }

        @Override
        protected void hookOnNext(IncomingMessage message) {
            handledIds.add(message.serverId());
            handled.add(message);
        }

        IncomingMessage handleNext() throws InterruptedException {
            request(1);
            IncomingMessage message = handled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(message).as("the next message within " + WAIT).isNotNull();
            return message;
        }
    }

    private ClientHarness registered(ClientStore store) {
        return ClientHarness.registered(channel, store, randomPhoneNumber(), verificationCodes);
    }

    /** Collects the DELIVERED ticks the senders see, and any that came before the recipient's app had the message. */
    private static final class DeliveredTicks {
        final Set<Long> delivered = ConcurrentHashMap.newKeySet();
        final Set<Long> beforeHandled = ConcurrentHashMap.newKeySet();

        DeliveredTicks(List<ClientHarness> senders, SlowApp recipientApp) {
            for (ClientHarness sender : senders) {
                sender.client.ticks().filter(t -> t.state() == Tick.State.DELIVERED).subscribe(tick -> {
                    if (!recipientApp.handledIds.contains(tick.serverId())) {
                        beforeHandled.add(tick.serverId());
                    }
                    delivered.add(tick.serverId());
                });
            }
        }
    }

    @Test
    void aSlowAppGetsEveryMessageOnceInOrderAndEachIsAckedOnlyAfterItWasHandled() throws Exception {
        int messages = 1100; // more than the SDK's old 1024-message buffer and far more than the server's window
        List<ClientHarness> senders = new ArrayList<>();
        try (ClientHarness bob = registered(ClientStore.inMemory()).online()) {
            for (int i = 0; i < 6; i++) {
                senders.add(registered(ClientStore.inMemory()).online()); // each within the per-device send burst
            }
            SlowApp app = bob.client.incoming().subscribeWith(new SlowApp());
            DeliveredTicks ticks = new DeliveredTicks(senders, app);
            UUID bobAccount = bob.client.credentials().accountId();

            List<Long> sent = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                ClientHarness sender = senders.get(i % senders.size());
                sent.add(sender.client.send(bobAccount, text("message " + i)).block().serverId());
            }
            for (int i = 0; i < messages; i++) {
                IncomingMessage message = app.handleNext();
                assertThat(text(message)).isEqualTo("message " + i);
                assertThat(message.serverId()).isEqualTo(sent.get(i));
            }

            await().atMost(WAIT).until(() -> ticks.delivered.containsAll(sent));
            assertThat(ticks.beforeHandled).as("DELIVERED before the app had the message").isEmpty();
            assertThat(app.handled).as("nothing twice").isEmpty();
            app.dispose();
        } finally {
            senders.forEach(ClientHarness::close);
        }
    }

    @Test
    void messagesTheAppHadNotHandledComeAgainAfterARestart() throws Exception {
        Path stateFile = Path.of("target", "client-state", UUID.randomUUID() + ".state");
        try (ClientHarness alice = registered(ClientStore.inMemory()).online()) {
            List<Long> sent = new ArrayList<>();
            UUID bobAccount;
            try (ClientHarness bob = registered(ClientStore.file(stateFile))) {
                bob.client.incoming().subscribe(new SlowApp()); // not ready to take anything yet
                bobAccount = bob.client.credentials().accountId();
                for (int i = 0; i < 5; i++) {
                    sent.add(alice.client.send(bobAccount, text("message " + i)).block().serverId());
                }
                bob.online(); // drained: all five reached the SDK
                assertThat(bob.messages).isEmpty();
            } // the process dies before its app took anything

            try (ClientHarness restarted = new ClientHarness(
                    CourierClient.create(channel, ClientStore.file(stateFile))).online()) {
                List<Long> received = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    IncomingMessage message = restarted.nextMessage();
                    assertThat(text(message)).isEqualTo("message " + i);
                    received.add(message.serverId());
                }
                assertThat(received).containsExactlyElementsOf(sent);

                await().atMost(WAIT).until(() -> alice.ticks.stream()
                        .filter(t -> t.state() == Tick.State.DELIVERED).map(Tick::serverId).toList().containsAll(sent));
                assertThat(restarted.messages).as("nothing twice").isEmpty();
            }
        }
    }
}
