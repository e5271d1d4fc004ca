package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.courier.api.v1.PresenceVisibility;
import io.courier.support.ServerTest;
import io.courier.support.TcpProxy;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;

/** The SDK's presence Flux (kept across reconnects), block list and last-seen hiding against a real node. */
@QuarkusTest
class ClientPresenceTest extends ServerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private ClientHarness registered(io.grpc.Channel via) {
        return ClientHarness.registered(via, ClientStore.inMemory(), randomPhoneNumber(), verificationCodes);
    }

    @Test
    void presenceFollowsTheAccountAndIsSubscribedAgainAfterAReconnect() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        try (TcpProxy proxy = new TcpProxy(port)) {
            ManagedChannel flaky = ManagedChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
            try (ClientHarness alice = registered(flaky).online(); ClientHarness bob = registered(channel)) {
                UUID bobId = bob.client.credentials().accountId();
                contacts(alice, bob);
                BlockingQueue<PresenceUpdate> updates = new LinkedBlockingQueue<>();
                alice.client.subscribePresence(List.of(bobId)).subscribe(updates::add);
                assertThat(next(updates)).as("never seen")
                        .isEqualTo(new PresenceUpdate(bobId, false, Optional.empty()));

                bob.online();
                assertThat(next(updates)).isEqualTo(new PresenceUpdate(bobId, true, Optional.empty()));
                bob.client.close();
                PresenceUpdate offline = next(updates);
                assertThat(offline.online()).isFalse();
                assertThat(offline.lastSeen()).isPresent();

                proxy.dropConnections();
                alice.awaitEvent(ConnectionEvent.DISCONNECTED);
                alice.awaitEvent(ConnectionEvent.DRAINED);
                assertThat(next(updates)).as("the new stream subscribed again").isEqualTo(offline);
            } finally {
                flaky.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void blockingAndHidingChangeWhatTheSubscriptionShows() {
        try (ClientHarness alice = registered(channel).online(); ClientHarness bob = registered(channel).online()) {
            UUID bobId = bob.client.credentials().accountId();
            contacts(alice, bob);
            BlockingQueue<PresenceUpdate> updates = new LinkedBlockingQueue<>();
            alice.client.subscribePresence(List.of(bobId)).subscribe(updates::add);
            PresenceUpdate online = new PresenceUpdate(bobId, true, Optional.empty());
            PresenceUpdate nothing = new PresenceUpdate(bobId, false, Optional.empty());
            assertThat(next(updates)).isEqualTo(online);

            alice.client.block(bobId).block();
            assertThat(alice.client.blocked().block()).containsExactly(bobId);
            assertThat(next(updates)).as("blocked: nothing to show").isEqualTo(nothing);
            alice.client.unblock(bobId).block();
            assertThat(alice.client.blocked().block()).isEmpty();
            assertThat(next(updates)).isEqualTo(online);

            alice.client.setPresenceVisibility(PresenceVisibility.PRESENCE_VISIBILITY_NOBODY).block();
            assertThat(next(updates)).as("hidden both ways: alice sees nothing of bob").isEqualTo(nothing);
            alice.client.setPresenceVisibility(PresenceVisibility.PRESENCE_VISIBILITY_CONTACTS).block();
            assertThat(next(updates)).as("contacts of each other").isEqualTo(online);
        }
    }

    /** Each on the other's contact list: presence is shown to contacts by default. */
    private static void contacts(ClientHarness one, ClientHarness other) {
        one.client.setContacts(List.of(other.client.credentials().accountId())).block();
        other.client.setContacts(List.of(one.client.credentials().accountId())).block();
    }

    private static PresenceUpdate next(BlockingQueue<PresenceUpdate> updates) {
        try {
            PresenceUpdate update = updates.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(update).as("a presence update within " + WAIT.toSeconds() + " s").isNotNull();
            return update;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
