package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.datastax.oss.driver.api.core.CqlSession;

import io.courier.api.v1.DataMessage;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Disappearing messages between real clients through a real node: a timer change reaches the chat's devices, every
 * message of the chat then carries it, and each device removes each message that long after it got it, also across
 * a restart.
 */
@QuarkusTest
class ClientDisappearingMessagesTest extends ServerTest {
    private static final Duration TIMER = Duration.ofSeconds(2);

    @Inject
    CqlSession session;

    @TempDir
    Path dir;

    private ClientHarness registered() {
        return ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(), verificationCodes);
    }

    private static UUID account(ClientHarness h) {
        return h.client.credentials().accountId();
    }

    @Test
    void aTimerSetOnOneSideExpiresTheChatsMessagesOnEveryDeviceOfBoth() throws Exception {
        try (ClientHarness alicePhone = registered().online(); ClientHarness bob = registered().online();
                ClientHarness aliceLaptop = new ClientHarness(ClientHarness.linkedTo(channel, alicePhone.client,
                        "laptop")).online()) {
            alicePhone.client.send(account(bob), text("hi")).block(); // the phone now has a session with the laptop
            assertThat(text(bob.nextMessage())).isEqualTo("hi");
            assertThat(text(aliceLaptop.nextMessage())).isEqualTo("hi");

            alicePhone.client.setDisappearingTimer(account(bob), TIMER).block();

            assertThat(bob.nextAction()).isEqualTo(new MessageAction.TimerChanged(account(alicePhone),
                    account(alicePhone), TIMER));
            assertThat(aliceLaptop.nextAction()).isEqualTo(new MessageAction.TimerChanged(account(bob),
                    account(alicePhone), TIMER));
            assertThat(bob.client.disappearingTimer(account(alicePhone))).isEqualTo(TIMER);
            assertThat(bob.messages).as("a timer update is not a message").isEmpty();

            SentMessage sent = bob.client.send(account(alicePhone), text("gone soon")).block();
            MessageRef secret = new MessageRef(account(bob), sent.sentAtMs());
            IncomingMessage onPhone = alicePhone.nextMessage();
            assertThat(onPhone.ref()).isEqualTo(secret);
            assertThat(DataMessage.parseFrom(onPhone.plaintext()).getExpireTimerSeconds()).isEqualTo(2);

            MessageAction expired = new MessageAction.Expired(secret);
            assertThat(alicePhone.nextAction()).isEqualTo(expired);
            assertThat(bob.nextAction()).as("the sender's own copy").isEqualTo(expired);

            bob.client.setDisappearingTimer(account(alicePhone), Duration.ZERO).block();
            assertThat(alicePhone.nextAction()).isEqualTo(new MessageAction.TimerChanged(account(bob), account(bob),
                    Duration.ZERO));
            assertThat(alicePhone.client.disappearingTimer(account(bob))).isZero();
            bob.client.send(account(alicePhone), text("stays")).block();
            assertThat(DataMessage.parseFrom(alicePhone.nextMessage().plaintext()).getExpireTimerSeconds()).isZero();
        }
    }

    @Test
    void aGroupsTimerReachesEveryMemberAndTheServerKeepsTheGroupMessageNoLonger() throws Exception {
        try (ClientHarness alice = registered().online(); ClientHarness bob = registered().online();
                ClientHarness carol = registered().online()) {
            UUID group = CourierClient.groupId(alice.client.createGroup(List.of(account(bob), account(carol)),
                    new byte[0]).block());

            alice.client.setDisappearingTimerInGroup(group, TIMER).block();
            MessageAction changed = new MessageAction.TimerChanged(group, account(alice), TIMER);
            assertThat(bob.nextAction()).isEqualTo(changed);
            assertThat(carol.nextAction()).isEqualTo(changed);

            SentMessage sent = carol.client.sendToGroup(group, text("gone soon, all")).block();
            assertThat(session.execute("SELECT TTL(ciphertext) FROM shared_payloads WHERE payload_id = ?",
                    sent.serverId()).one().getInt(0)).as("the stored group ciphertext's TTL").isBetween(1, 2);
            MessageRef secret = new MessageRef(account(carol), sent.sentAtMs());
            assertThat(alice.nextMessage().ref()).isEqualTo(secret);
            assertThat(bob.nextMessage().ref()).isEqualTo(secret);

            MessageAction expired = new MessageAction.Expired(secret);
            assertThat(alice.nextAction()).isEqualTo(expired);
            assertThat(bob.nextAction()).isEqualTo(expired);
            assertThat(carol.nextAction()).isEqualTo(expired);
        }
    }

    @Test
    void aMessageExpiresAfterARestartOfTheDeviceThatGotIt() throws Exception {
        Path state = dir.resolve("bob.state");
        try (ClientHarness alice = registered().online()) {
            MessageRef secret;
            try (ClientHarness bob = ClientHarness.registered(channel, ClientStore.file(state), randomPhoneNumber(),
                    verificationCodes).online()) {
                // Long enough for the first run to end before it, even on a loaded machine: the restart is what
                // reports the expiry.
                alice.client.setDisappearingTimer(account(bob), Duration.ofSeconds(15)).block();
                assertThat(bob.nextAction()).isInstanceOf(MessageAction.TimerChanged.class);
                SentMessage sent = alice.client.send(account(bob), text("gone after a restart")).block();
                secret = new MessageRef(account(alice), sent.sentAtMs());
                assertThat(bob.nextMessage().ref()).isEqualTo(secret);
            }
            // The sender's copy expires on its own device as well.
            assertThat(alice.nextAction()).isEqualTo(new MessageAction.Expired(secret));

            try (ClientHarness restarted = new ClientHarness(CourierClient.create(channel,
                    ClientStore.file(state)))) {
                assertThat(restarted.nextAction()).isEqualTo(new MessageAction.Expired(secret));
                assertThat(restarted.client.disappearingTimer(account(alice))).isEqualTo(Duration.ofSeconds(15));
            }
        }
    }

    @Test
    void aTimerIsWholeSecondsOrZero() {
        try (ClientHarness alice = registered(); ClientHarness bob = registered()) {
            assertThatThrownBy(() -> alice.client.setDisappearingTimer(account(bob), Duration.ofMillis(1500)).block())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole seconds");
            assertThatThrownBy(() -> alice.client.setDisappearingTimer(account(bob), Duration.ofSeconds(-1)).block())
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(alice.client.disappearingTimer(account(bob))).isZero();
        }
    }
}
