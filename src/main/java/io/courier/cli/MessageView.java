package io.courier.cli;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import io.courier.api.v1.AttachmentPointer;
import io.courier.client.Content;
import io.courier.client.GroupMessageStatus;
import io.courier.client.IncomingMessage;
import io.courier.client.MessageAction;
import io.courier.client.MessageRef;
import io.courier.client.SentMessage;
import io.courier.client.Tick;

/**
 * Prints what arrives and what this device sent, each message numbered [n] (what {@code /react}, {@code /edit} and
 * {@code /delete} name), sent ones with their ticks as they come: ✓ stored by the server, ✓✓ delivered, ✓✓ read (for
 * groups: counted over the members). Reactions, edits and deletes show under the number of their message.
 */
final class MessageView {
    private static final int EARLY_TICKS = 256;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());

    private final Session session;
    private final Predicate<IncomingMessage> openChat;
    private final AtomicInteger numbers = new AtomicInteger();
    /** [n] → the message shown under it in this run, and back. */
    private final Map<Integer, MessageRef> refs = new HashMap<>();
    private final Map<MessageRef, Integer> numbered = new HashMap<>();
    /** server id → [n] of the messages this device sent in this run, and the best tick shown for each. */
    private final Map<Long, Integer> sent = new HashMap<>();
    private final Map<Long, Mark> shown = new HashMap<>();
    /** Ticks that overtook their SendAck (the recipient was quick), kept until the message is numbered. */
    private final Map<Long, Mark> early = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Mark> eldest) {
            return size() > EARLY_TICKS;
        }
    };

    /** A tick to show; a better one (higher rank) replaces a lesser, never the other way round. */
    private record Mark(int rank, String text) {
    }

    /** @param openChat messages of the chat on screen: they are marked read (blue ticks for their sender) */
    MessageView(Session session, Predicate<IncomingMessage> openChat) {
        this.session = session;
        this.openChat = openChat;
    }

    synchronized void sent(SentMessage message, String summary) {
        int n = number(new MessageRef(session.client.credentials().accountId(), message.sentAtMs()));
        sent.put(message.serverId(), n);
        print("[" + n + "] you: " + summary + "  ✓");
        Mark overtaken = early.remove(message.serverId());
        if (overtaken != null) {
            show(message.serverId(), overtaken);
        }
    }

    /** Something this device did to the chat as a whole. */
    void note(String summary) {
        print("* " + summary);
    }

    /** This device reacted to, edited or deleted message [n]; the others hear of it through their actions. */
    void acted(int n, String summary) {
        print("[" + n + "] you " + summary);
    }

    /** The message shown as [n]. */
    synchronized MessageRef ref(int n) {
        MessageRef ref = refs.get(n);
        if (ref == null) {
            throw new IllegalArgumentException("no message [" + n + "] is shown here");
        }
        return ref;
    }

    void incoming(IncomingMessage message) {
        String where = message.group().map(g -> "[group " + g.toString().substring(0, 8) + "] ").orElse("");
        String who = session.name(message.sender()) + message.syncRecipient().map(r -> " → " + session.name(r))
                .orElse("");
        String prefix = "[" + number(message.ref()) + "] " + TIME.format(message.serverTime()) + " " + where + who
                + ": ";
        Content content;
        try {
            content = Content.decode(message.plaintext());
        } catch (IllegalArgumentException e) {
            content = new Content.Unsupported(); // shown as such, like a newer client's kind of message
        }
        if (content instanceof Content.Text text) {
            print(prefix + text.text());
        } else if (content instanceof Content.Media media) {
            print(prefix + "📎 " + fileName(media.pointer(), message.serverId()) + " (" + media.pointer().getSizeBytes()
                    + " bytes)" + (media.caption().isEmpty() ? "" : " " + media.caption()));
            download(media.pointer(), message.serverId());
        } else {
            print(prefix + "(a message this CLI can't show)");
        }
        if (openChat.test(message)) {
            session.client.markRead(message);
        }
    }

    /** Shown under the number of the message it acts on, or said to be about one not shown in this run. */
    void action(MessageAction action) {
        if (action instanceof MessageAction.Reacted reacted) {
            print(about(reacted.target()) + session.name(reacted.by())
                    + reacted.emoji().map(emoji -> " reacted " + emoji).orElse(" took a reaction back"));
        } else if (action instanceof MessageAction.Edited edited) {
            print(about(edited.target()) + "edited" + (edited.edits() > 1 ? " (" + edited.edits() + " times)" : "")
                    + ": " + edited.text());
        } else if (action instanceof MessageAction.Deleted deleted) {
            print(about(deleted.target()) + "this message was deleted");
        } else if (action instanceof MessageAction.ReadElsewhere read) {
            read.messages().forEach(ref -> print(about(ref) + "read on another device"));
        } else if (action instanceof MessageAction.TimerChanged changed) {
            print("* " + session.name(changed.by()) + (changed.timer().isZero() ? " turned disappearing messages off"
                    : " set disappearing messages to " + Durations.format(changed.timer()))
                    + " (chat " + session.name(changed.chat()) + ")");
        } else if (action instanceof MessageAction.Expired expired) {
            print(about(expired.target()) + "disappeared");
        }
    }

    private synchronized String about(MessageRef target) {
        Integer n = numbered.get(target);
        return n != null ? "[" + n + "] " : "(a message not shown here) ";
    }

    /** The number of a message shown now; one shown twice (a sync copy and the original) keeps its first. */
    private synchronized int number(MessageRef ref) {
        return numbered.computeIfAbsent(ref, r -> {
            int n = numbers.incrementAndGet();
            refs.put(n, r);
            return n;
        });
    }

    void tick(Tick tick) {
        if (tick.group().isEmpty() && tick.state() != Tick.State.SENT) {
            show(tick.serverId(), tick.state() == Tick.State.READ ? new Mark(2, "✓✓ read") : new Mark(1, "✓✓"));
        }
    }

    void groupStatus(GroupMessageStatus status) {
        if (status.delivered() > 0) {
            show(status.serverId(), new Mark(status.delivered() + status.read(), "✓✓ delivered " + status.delivered()
                    + "/" + status.members() + (status.read() > 0 ? ", read " + status.read() + "/"
                    + status.members() : "")));
        }
    }

    /** Prints a tick line when it is better than the one shown, only for messages sent in this run. */
    private synchronized void show(long serverId, Mark mark) {
        Integer n = sent.get(serverId);
        if (n == null) {
            early.merge(serverId, mark, (a, b) -> a.rank() >= b.rank() ? a : b);
            return;
        }
        Mark before = shown.get(serverId);
        if (before == null || mark.rank() > before.rank()) {
            shown.put(serverId, mark);
            print("[" + n + "] " + mark.text());
        }
    }

    private void download(AttachmentPointer pointer, long serverId) {
        try {
            Files.createDirectories(session.cli.downloads);
        } catch (java.io.IOException e) {
            print("   could not create " + session.cli.downloads + ": " + e.getMessage());
            return;
        }
        Path target = session.cli.downloads.resolve(fileName(pointer, serverId));
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            // Another file of that name: this message's copy gets its id (the SDK never replaces a file).
            target = session.cli.downloads.resolve(serverId + "-" + target.getFileName());
        }
        session.media().download(pointer, target).result().subscribe(
                path -> print("   saved to " + path),
                error -> print("   download failed: " + CourierCli.describe(error)));
    }

    /** The sender's file name without any directories (never trusted as a path), else one made of the id. */
    private static String fileName(AttachmentPointer pointer, long serverId) {
        String fallback = "file-" + serverId;
        try {
            Path name = Path.of(pointer.getFileName()).getFileName();
            return name == null || name.toString().startsWith(".") ? fallback : name.toString();
        } catch (java.nio.file.InvalidPathException e) {
            return fallback;
        }
    }

    private void print(String line) {
        session.terminal().println(line);
    }

    static Predicate<IncomingMessage> chatWith(Target target) {
        UUID none = new UUID(0, 0);
        return m -> target.group().map(g -> m.group().filter(g::equals).isPresent())
                .orElseGet(() -> m.group().isEmpty() && m.sender().equals(target.account().orElse(none)));
    }
}
