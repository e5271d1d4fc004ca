package io.courier.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.courier.api.v1.DataMessage;

/**
 * Who may do what to a message, and until when. Anyone may react (one reaction per user per message, replaceable);
 * only a message's author edits it, within {@link #EDIT_WINDOW}, or deletes it for everyone, within
 * {@link #DELETE_WINDOW} (WhatsApp's limits). Both ends apply them: the sender before sending, every receiving device
 * before reporting, ignoring what breaks them. The window is measured on the author's clock, between the target's
 * {@code sent_at_ms} and the action's: both are the author's, so a receiver's clock or a message's time in a queue
 * (a phone off for a day) don't matter.
 */
final class ActionRules {
    static final Duration EDIT_WINDOW = Duration.ofMinutes(15);
    static final Duration DELETE_WINDOW = Duration.ofDays(2);
    /** Messages whose edits are remembered (for the newest-wins rule and the count); the oldest are forgotten. */
    private static final int EDITED_MESSAGES = 4096;

    private record Edits(long newestAtMs, int count) {
    }

    /** Guarded by itself. */
    private final Map<MessageRef, Edits> edits = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<MessageRef, Edits> eldest) {
            return size() > EDITED_MESSAGES;
        }
    };

    /** Whether the message acts on another one (a reaction, an edit, a delete) rather than being one to show. */
    static boolean isAction(DataMessage message) {
        return switch (message.getBodyCase()) {
            case REACTION, EDIT, DELETE -> true;
            default -> false;
        };
    }

    /**
     * Refuses to edit or delete a message that is not {@code me}'s or has grown too old for {@code what}.
     *
     * @throws IllegalArgumentException saying which
     */
    static void checkOwnWithin(UUID me, MessageRef target, long nowMs, Duration window, String what) {
        if (!target.author().equals(me)) {
            throw new IllegalArgumentException("only its author may " + what + " a message");
        }
        if (nowMs - target.sentAtMs() > window.toMillis()) {
            throw new IllegalArgumentException("too late to " + what + " this message: the limit is "
                    + (window.toHours() >= 24 ? window.toDays() + " days" : window.toMinutes() + " minutes")
                    + " after it was sent");
        }
    }

    /**
     * What an action from {@code author} ({@link #isAction}) does, or empty when it breaks the rules and is ignored:
     * an edit or delete by someone else, one after its window, an edit older than one taken before, a reaction
     * without an emoji, a malformed target.
     */
    Optional<MessageAction> accept(UUID author, DataMessage message) {
        MessageRef target;
        try {
            target = MessageRef.of(switch (message.getBodyCase()) {
                case REACTION -> message.getReaction().getTarget();
                case EDIT -> message.getEdit().getTarget();
                case DELETE -> message.getDelete().getTarget();
                default -> throw new IllegalArgumentException("not an action: " + message.getBodyCase());
            });
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return switch (message.getBodyCase()) {
            case REACTION -> reaction(author, target, message.getReaction());
            case EDIT -> byAuthorWithin(author, target, message, EDIT_WINDOW)
                    ? edit(target, message.getEdit().getText(), message.getSentAtMs()) : Optional.empty();
            default -> byAuthorWithin(author, target, message, DELETE_WINDOW)
                    ? Optional.of(new MessageAction.Deleted(target)) : Optional.empty();
        };
    }

    private static Optional<MessageAction> reaction(UUID author, MessageRef target,
            io.courier.api.v1.Reaction reaction) {
        if (reaction.getRemove()) {
            return Optional.of(new MessageAction.Reacted(target, author, Optional.empty()));
        }
        return reaction.getEmoji().isEmpty() ? Optional.empty()
                : Optional.of(new MessageAction.Reacted(target, author, Optional.of(reaction.getEmoji())));
    }

    private static boolean byAuthorWithin(UUID author, MessageRef target, DataMessage action, Duration window) {
        long age = action.getSentAtMs() - target.sentAtMs();
        return author.equals(target.author()) && age >= 0 && age <= window.toMillis();
    }

    /** Every edit counts; only one newer than all before it is reported (the newest wins). */
    private Optional<MessageAction> edit(MessageRef target, String text, long editedAtMs) {
        synchronized (edits) {
            Edits before = edits.get(target);
            if (before != null && before.newestAtMs() == editedAtMs) {
                return Optional.empty(); // the same edit again (another device of the author sent the same ms)
            }
            int count = before == null ? 1 : before.count() + 1;
            boolean newest = before == null || editedAtMs > before.newestAtMs();
            edits.put(target, new Edits(newest ? editedAtMs : before.newestAtMs(), count));
            return newest ? Optional.of(new MessageAction.Edited(target, text, editedAtMs, count)) : Optional.empty();
        }
    }
}
