package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.DataMessage;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Read sync, reactions, edits and deletes for everyone between real clients through a real node: each reaches every
 * device of the recipient and the actor's other devices, and what breaks the rules is ignored by every receiver.
 */
@QuarkusTest
class ClientMessageActionsTest extends ServerTest {

    private ClientHarness registered() {
        return ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(), verificationCodes);
    }

    private ClientHarness linkedTo(ClientHarness primary, String name) {
        return new ClientHarness(ClientHarness.linkedTo(channel, primary.client, name));
    }

    private static UUID account(ClientHarness h) {
        return h.client.credentials().accountId();
    }

    /** A DataMessage the app builds itself (its own sent_at_ms), as a client that ignores the rules would send it. */
    private static byte[] raw(long sentAtMs, Content body) throws Exception {
        return DataMessage.parseFrom(body.encode()).toBuilder().setSentAtMs(sentAtMs).build().toByteArray();
    }

    @Test
    void readingOnOneDeviceClearsTheMessageOnTheReadersOtherDevice() {
        try (ClientHarness alice = registered().online(); ClientHarness bobPhone = registered().online();
                ClientHarness bobLaptop = linkedTo(bobPhone, "laptop").online()) {
            bobPhone.client.send(account(alice), text("hi")).block(); // the phone now has a session with the laptop
            assertThat(text(alice.nextMessage())).isEqualTo("hi");
            assertThat(text(bobLaptop.nextMessage())).isEqualTo("hi");

            SentMessage hello = alice.client.send(account(bobPhone), text("hello")).block();
            IncomingMessage onPhone = bobPhone.nextMessage();
            IncomingMessage onLaptop = bobLaptop.nextMessage();
            assertThat(onLaptop.ref()).isEqualTo(onPhone.ref()).isEqualTo(new MessageRef(account(alice),
                    hello.sentAtMs()));

            bobPhone.client.markRead(onPhone);

            assertThat(bobLaptop.nextAction()).isEqualTo(new MessageAction.ReadElsewhere(List.of(onPhone.ref())));
            // Alice gets her blue ticks, and nothing of the copy that carried the read state to Bob's laptop.
            while (alice.nextTick().state() != Tick.State.READ) {
                // SENT and DELIVERED come first
            }
            bobPhone.client.send(account(alice), text("read it")).block();
            assertThat(text(alice.nextMessage())).isEqualTo("read it");
            assertThat(alice.actions).isEmpty();
        }
    }

    @Test
    void aReactionAnEditAndADeleteReachEveryDeviceOfTheRecipientAndTheActorsOtherDevice() {
        try (ClientHarness alicePhone = registered().online(); ClientHarness bobPhone = registered().online();
                ClientHarness aliceLaptop = linkedTo(alicePhone, "laptop").online();
                ClientHarness bobTablet = linkedTo(bobPhone, "tablet").online()) {
            SentMessage sent = alicePhone.client.send(account(bobPhone), text("see you at 8")).block();
            MessageRef hello = new MessageRef(account(alicePhone), sent.sentAtMs());
            assertThat(bobPhone.nextMessage().ref()).isEqualTo(hello);
            assertThat(bobTablet.nextMessage().ref()).isEqualTo(hello);
            assertThat(aliceLaptop.nextMessage().ref()).isEqualTo(hello);

            bobPhone.client.react(account(alicePhone), hello, "👍").block();
            MessageAction thumbsUp = new MessageAction.Reacted(hello, account(bobPhone), Optional.of("👍"));
            assertThat(alicePhone.nextAction()).isEqualTo(thumbsUp);
            assertThat(aliceLaptop.nextAction()).isEqualTo(thumbsUp);
            assertThat(bobTablet.nextAction()).isEqualTo(thumbsUp);

            SentMessage edit = alicePhone.client.edit(account(bobPhone), hello, "see you at 9").block();
            MessageAction edited = new MessageAction.Edited(hello, "see you at 9", edit.sentAtMs(), 1);
            assertThat(bobPhone.nextAction()).isEqualTo(edited);
            assertThat(bobTablet.nextAction()).isEqualTo(edited);
            assertThat(aliceLaptop.nextAction()).isEqualTo(edited);

            alicePhone.client.deleteForEveryone(account(bobPhone), hello).block();
            MessageAction deleted = new MessageAction.Deleted(hello);
            assertThat(bobPhone.nextAction()).isEqualTo(deleted);
            assertThat(bobTablet.nextAction()).isEqualTo(deleted);
            assertThat(aliceLaptop.nextAction()).isEqualTo(deleted);
        }
    }

    @Test
    void anEditOrDeleteByAnyoneButTheAuthorAndAnEditAfterItsWindowAreIgnoredByEveryDevice() throws Exception {
        try (ClientHarness alicePhone = registered().online(); ClientHarness bob = registered().online();
                ClientHarness aliceLaptop = linkedTo(alicePhone, "laptop").online()) {
            SentMessage sent = alicePhone.client.send(account(bob), text("the plan")).block();
            MessageRef plan = new MessageRef(account(alicePhone), sent.sentAtMs());
            assertThat(bob.nextMessage().ref()).isEqualTo(plan);
            assertThat(aliceLaptop.nextMessage().ref()).isEqualTo(plan);

            assertThatThrownBy(() -> bob.client.edit(account(alicePhone), plan, "my plan").block())
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("only its author may edit a message");
            // A client that doesn't apply the rules sends them anyway; Alice's devices ignore them.
            bob.client.send(account(alicePhone), raw(sent.sentAtMs() + 1, new Content.Edit(plan, "my plan")))
                    .block();
            bob.client.send(account(alicePhone), raw(sent.sentAtMs() + 2, new Content.Delete(plan))).block();
            long late = sent.sentAtMs() + ActionRules.EDIT_WINDOW.toMillis() + 1;
            alicePhone.client.send(account(bob), raw(late, new Content.Edit(plan, "a late change"))).block();
            // Then one action by each, which every device reports first if it ignored what came before.
            bob.client.react(account(alicePhone), plan, "👀").block();
            alicePhone.client.react(account(bob), plan, "✅").block();

            MessageAction bobs = new MessageAction.Reacted(plan, account(bob), Optional.of("👀"));
            MessageAction alices = new MessageAction.Reacted(plan, account(alicePhone), Optional.of("✅"));
            assertThat(alicePhone.nextAction()).as("Bob's edit and delete were ignored").isEqualTo(bobs);
            assertThat(aliceLaptop.nextAction()).as("Bob's edit and delete, and the late edit, were ignored")
                    .isEqualTo(bobs);
            assertThat(aliceLaptop.nextAction()).isEqualTo(alices);
            assertThat(bob.nextAction()).as("the late edit was ignored").isEqualTo(alices);
        }
    }

    @Test
    void inAGroupEveryMembersDevicesGetAReactionAndAnEditAndTheActorsOtherDevicesToo() {
        try (ClientHarness alicePhone = registered().online(); ClientHarness bob = registered().online();
                ClientHarness carol = registered().online();
                ClientHarness aliceLaptop = linkedTo(alicePhone, "laptop").online()) {
            UUID group = CourierClient.groupId(alicePhone.client.createGroup(List.of(account(bob), account(carol)),
                    new byte[0]).block());
            SentMessage sent = alicePhone.client.sendToGroup(group, text("lunch?")).block();
            MessageRef lunch = new MessageRef(account(alicePhone), sent.sentAtMs());
            assertThat(bob.nextMessage().ref()).isEqualTo(lunch);
            assertThat(carol.nextMessage().ref()).isEqualTo(lunch);
            assertThat(aliceLaptop.nextMessage().ref()).isEqualTo(lunch);

            bob.client.reactInGroup(group, lunch, "🍕").block();
            MessageAction pizza = new MessageAction.Reacted(lunch, account(bob), Optional.of("🍕"));
            assertThat(alicePhone.nextAction()).isEqualTo(pizza);
            assertThat(aliceLaptop.nextAction()).isEqualTo(pizza);
            assertThat(carol.nextAction()).isEqualTo(pizza);

            SentMessage edit = alicePhone.client.editInGroup(group, lunch, "lunch at 1?").block();
            MessageAction edited = new MessageAction.Edited(lunch, "lunch at 1?", edit.sentAtMs(), 1);
            assertThat(bob.nextAction()).isEqualTo(edited);
            assertThat(carol.nextAction()).isEqualTo(edited);
            assertThat(aliceLaptop.nextAction()).isEqualTo(edited);
        }
    }
}
