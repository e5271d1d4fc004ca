package io.courier.cli;

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
}
