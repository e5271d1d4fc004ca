package io.courier.client;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Something done to earlier messages, as {@link CourierClient#actions()} reports it: the app finds each target by its
 * {@link MessageRef} in the chat it keeps. A target that hasn't arrived yet (or not been loaded) is the app's to keep
 * the action for and apply when it does (content.proto). The SDK has already checked what it can: only a message's
 * author edits or deletes it, within {@link ActionRules#EDIT_WINDOW} and {@link ActionRules#DELETE_WINDOW}.
 */
public sealed interface MessageAction permits MessageAction.Reacted, MessageAction.Edited, MessageAction.Deleted,
        MessageAction.ReadElsewhere, MessageAction.TimerChanged, MessageAction.Expired {

    /** {@code by}'s reaction on {@code target}, replacing its previous one; an empty emoji takes it away. */
    record Reacted(MessageRef target, UUID by, Optional<String> emoji) implements MessageAction {
    }

    /**
     * The author gave {@code target} a new text (or caption). {@code edits} counts the edits of it this device has
     * taken, this one included (an "edited" label, "edited 3 times"); an edit older than one taken before is not
     * reported, as the newest edit wins.
     */
    record Edited(MessageRef target, String text, long editedAtMs, int edits) implements MessageAction {
    }

    /** The author deleted {@code target} for everyone: remove it (a "this message was deleted" placeholder). */
    record Deleted(MessageRef target) implements MessageAction {
    }

    /** The user read these messages on another of its devices: clear their unread state here (no receipt again). */
    record ReadElsewhere(List<MessageRef> messages) implements MessageAction {
    }

    /**
     * {@code by} (or this user on another device) set the disappearing-message timer of {@code chat} (the 1:1 peer's
     * account id or the group id); zero turns it off. Messages of the chat sent from now on disappear after it.
     */
    record TimerChanged(UUID chat, UUID by, Duration timer) implements MessageAction {
    }

    /** A disappearing message's time is over (counted from its delivery to this device): remove it, no placeholder. */
    record Expired(MessageRef target) implements MessageAction {
    }
}
