package io.courier.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import io.courier.api.v1.AttachmentPointer;
import io.courier.client.Content;
import io.courier.client.GroupMessageStatus;
import io.courier.client.IncomingMessage;
import io.courier.client.SentMessage;
import io.courier.client.Tick;

/**
 * Prints what arrives and what this device sent, each sent message numbered [n] with its ticks as they come:
 * ✓ stored by the server, ✓✓ delivered, ✓✓ read (for groups: counted over the members).
 */
final class MessageView {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());

    private final Session session;
    private final Predicate<IncomingMessage> openChat;
    private final AtomicInteger numbers = new AtomicInteger();
    /** server id → [n] of the messages this device sent in this run, and the best tick shown for each. */
    private final Map<Long, Integer> sent = new ConcurrentHashMap<>();
    private final Map<Long, String> shown = new ConcurrentHashMap<>();

    /** @param openChat messages of the chat on screen: they are marked read (blue ticks for their sender) */
    MessageView(Session session, Predicate<IncomingMessage> openChat) {
        this.session = session;
        this.openChat = openChat;
    }

    void sent(SentMessage message, String summary) {
        int n = numbers.incrementAndGet();
        sent.put(message.serverId(), n);
        print("[" + n + "] you: " + summary + "  ✓");
    }

    void incoming(IncomingMessage message) {
        String where = message.group().map(g -> "[group " + g.toString().substring(0, 8) + "] ").orElse("");
        String who = session.name(message.sender()) + message.syncRecipient().map(r -> " → " + session.name(r))
                .orElse("");
        String prefix = TIME.format(message.serverTime()) + " " + where + who + ": ";
        Content content;
        try {
            content = Content.decode(message.plaintext());
        } catch (IllegalArgumentException e) {
            print(prefix + "(a message this CLI can't show)");
            return;
        }
        if (content instanceof Content.Text text) {
            print(prefix + text.text());
        } else if (content instanceof Content.Media media) {
            print(prefix + "📎 " + fileName(media.pointer(), message.serverId()) + " (" + media.pointer().getSizeBytes()
                    + " bytes)" + (media.caption().isEmpty() ? "" : " " + media.caption()));
            download(media.pointer(), message.serverId());
        }
        if (openChat.test(message)) {
            session.client.markRead(message);
        }
    }

    void tick(Tick tick) {
        if (tick.group().isEmpty()) {
            show(tick.serverId(), switch (tick.state()) {
                case SENT -> Optional.<String>empty();
                case DELIVERED -> Optional.of("✓✓");
                case READ -> Optional.of("✓✓ read");
            });
        }
    }

    void groupStatus(GroupMessageStatus status) {
        if (status.delivered() > 0) {
            show(status.serverId(), Optional.of("✓✓ delivered " + status.delivered() + "/" + status.members()
                    + (status.read() > 0 ? ", read " + status.read() + "/" + status.members() : "")));
        }
    }

    /** Prints a tick line once per change, only for messages sent in this run. */
    private void show(long serverId, Optional<String> mark) {
        Integer n = sent.get(serverId);
        if (n != null && mark.isPresent() && !mark.get().equals(shown.put(serverId, mark.get()))) {
            print("[" + n + "] " + mark.get());
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
