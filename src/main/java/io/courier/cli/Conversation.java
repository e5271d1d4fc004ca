package io.courier.cli;

import java.time.Duration;

import io.courier.client.MessageRef;

/** A connected session talking to one target: what it sends is numbered and ticked on the view. */
record Conversation(Target target, MessageView view) {
    /** Connects; what arrives meanwhile is shown, and read if it belongs to this conversation. */
    static Conversation open(Session session, Target.Options options) {
        Target target = Target.of(session, options);
        MessageView view = new MessageView(session, MessageView.chatWith(target));
        session.connect(view);
        return new Conversation(target, view);
    }

    void send(byte[] content, String summary) {
        view.sent(target.send(content), summary);
    }

    /** {@code /timer 30s|5m|8h|7d|off}: the chat's disappearing-message timer, for both sides. */
    void timer(String command) {
        String value = command.substring("/timer".length()).strip();
        Duration timer = Durations.parse(value);
        target.setDisappearingTimer(timer);
        view.note(timer.isZero() ? "you turned disappearing messages off"
                : "you set disappearing messages to " + Durations.format(timer));
    }

    /** {@code /react N EMOJI}, {@code /edit N TEXT}, {@code /delete N}: on the message shown as [N]. */
    void act(String command) {
        String[] parts = command.split(" ", 3);
        String usage = "use /react N EMOJI, /edit N TEXT or /delete N";
        int n;
        try {
            n = Integer.parseInt(parts.length > 1 ? parts[1] : "");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(usage + " (N is the [number] of a message)");
        }
        MessageRef message = view.ref(n);
        String rest = parts.length > 2 ? parts[2].strip() : "";
        switch (parts[0]) {
            case "/react" -> {
                target.react(message, requireText(rest, usage));
                view.acted(n, "reacted " + rest);
            }
            case "/edit" -> {
                target.edit(message, requireText(rest, usage));
                view.acted(n, "edited: " + rest);
            }
            case "/delete" -> {
                target.deleteForEveryone(message);
                view.acted(n, "deleted this message for everyone");
            }
            default -> throw new IllegalArgumentException(usage);
        }
    }

    private static String requireText(String text, String usage) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException(usage);
        }
        return text;
    }
}
