package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.DataMessage;

/** Who may react to, edit and delete a message, and until when, as both the sender and every receiver apply it. */
class ActionRulesTest {
    private static final UUID ALICE = UUID.randomUUID();
    private static final UUID BOB = UUID.randomUUID();
    private static final long SENT = 1_700_000_000_000L;
    private static final MessageRef ALICES = new MessageRef(ALICE, SENT);

    private final ActionRules rules = new ActionRules();

    private static DataMessage at(long sentAtMs, Content body) throws Exception {
        return DataMessage.parseFrom(body.encode()).toBuilder().setSentAtMs(sentAtMs).build();
    }

    private static long minutes(long n) {
        return n * 60_000;
    }

    @Test
    void onlyReactionsEditsAndDeletesAreActions() throws Exception {
        assertThat(ActionRules.isAction(at(SENT, new Content.Text("hi")))).isFalse();
        assertThat(ActionRules.isAction(at(SENT, new Content.Reaction(ALICES, "👍", false)))).isTrue();
        assertThat(ActionRules.isAction(at(SENT, new Content.Edit(ALICES, "hi!")))).isTrue();
        assertThat(ActionRules.isAction(at(SENT, new Content.Delete(ALICES)))).isTrue();
    }

    @Test
    void anyoneReactsAndAnEmptyEmojiIsOnlyARemoval() throws Exception {
        assertThat(rules.accept(BOB, at(SENT + 5, new Content.Reaction(ALICES, "👍", false))))
                .contains(new MessageAction.Reacted(ALICES, BOB, Optional.of("👍")));
        assertThat(rules.accept(BOB, at(SENT + 6, new Content.Reaction(ALICES, "", true))))
                .contains(new MessageAction.Reacted(ALICES, BOB, Optional.empty()));
        assertThat(rules.accept(BOB, at(SENT + 7, new Content.Reaction(ALICES, "", false)))).isEmpty();
    }

    @Test
    void theAuthorEditsWithinFifteenMinutesOfSendingAndNobodyElseEver() throws Exception {
        assertThat(rules.accept(ALICE, at(SENT + minutes(15), new Content.Edit(ALICES, "fixed"))))
                .contains(new MessageAction.Edited(ALICES, "fixed", SENT + minutes(15), 1));
        assertThat(rules.accept(ALICE, at(SENT + minutes(15) + 1, new Content.Edit(ALICES, "too late")))).isEmpty();
        assertThat(rules.accept(BOB, at(SENT + 1, new Content.Edit(ALICES, "not mine")))).isEmpty();
        assertThat(rules.accept(ALICE, at(SENT - 1, new Content.Edit(ALICES, "before it was sent")))).isEmpty();
    }

    @Test
    void theNewestEditWinsAndEveryEditCounts() throws Exception {
        assertThat(rules.accept(ALICE, at(SENT + 300, new Content.Edit(ALICES, "third"))))
                .contains(new MessageAction.Edited(ALICES, "third", SENT + 300, 1));
        assertThat(rules.accept(ALICE, at(SENT + 100, new Content.Edit(ALICES, "first, arriving late")))).isEmpty();
        assertThat(rules.accept(ALICE, at(SENT + 300, new Content.Edit(ALICES, "third")))).as("the same edit again")
                .isEmpty();
        assertThat(rules.accept(ALICE, at(SENT + 400, new Content.Edit(ALICES, "fourth"))))
                .contains(new MessageAction.Edited(ALICES, "fourth", SENT + 400, 3));
    }

    @Test
    void theAuthorDeletesForEveryoneWithinTwoDaysAndNobodyElseEver() throws Exception {
        assertThat(rules.accept(ALICE, at(SENT + minutes(48 * 60), new Content.Delete(ALICES))))
                .contains(new MessageAction.Deleted(ALICES));
        assertThat(rules.accept(ALICE, at(SENT + minutes(48 * 60) + 1, new Content.Delete(ALICES)))).isEmpty();
        assertThat(rules.accept(BOB, at(SENT + 1, new Content.Delete(ALICES)))).isEmpty();
    }

    @Test
    void aTargetWithAMalformedAuthorIsIgnored() throws Exception {
        DataMessage broken = at(SENT + 1, new Content.Delete(ALICES)).toBuilder()
                .setDelete(io.courier.api.v1.Delete.newBuilder().setTarget(io.courier.api.v1.MessageRef.newBuilder()
                        .setSentAtMs(SENT))).build();
        assertThat(rules.accept(ALICE, broken)).isEmpty();
    }

    @Test
    void theSenderMayOnlyEditOrDeleteItsOwnMessagesInTheirWindow() {
        ActionRules.checkOwnWithin(ALICE, ALICES, SENT + minutes(15), ActionRules.EDIT_WINDOW, "edit");
        assertThatThrownBy(() -> ActionRules.checkOwnWithin(BOB, ALICES, SENT, ActionRules.EDIT_WINDOW, "edit"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("only its author may edit a message");
        assertThatThrownBy(() -> ActionRules.checkOwnWithin(ALICE, ALICES, SENT + minutes(16),
                ActionRules.EDIT_WINDOW, "edit")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("too late to edit this message: the limit is 15 minutes after it was sent");
        assertThatThrownBy(() -> ActionRules.checkOwnWithin(ALICE, ALICES, SENT + minutes(49 * 60),
                ActionRules.DELETE_WINDOW, "delete")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("too late to delete this message: the limit is 2 days after it was sent");
    }
}
