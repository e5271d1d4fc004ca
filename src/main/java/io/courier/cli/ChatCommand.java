package io.courier.cli;

import java.nio.file.Path;
import java.util.Optional;

import io.courier.client.Content;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;

@Command(name = "chat", description = "An interactive chat: type to send; incoming messages and ticks appear live.")
final class ChatCommand extends DeviceCommand {
    private static final String FILE = "/file ";

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target.Options with;

    @Override
    void run(Session session) {
        Conversation chat = Conversation.open(session, with);
        cli.terminal.println("Chat with " + chat.target().describe() + ". Type a message and Enter; /file PATH"
                + " [caption] sends a file; /react N EMOJI, /edit N TEXT and /delete N act on message [N]; /timer"
                + " 30s|5m|8h|7d|off sets disappearing messages; /quit leaves. ✓ stored, ✓✓ delivered, ✓✓ read.");
        for (Optional<String> line = cli.terminal.readLine(); line.isPresent() && !line.get().equals("/quit");
                line = cli.terminal.readLine()) {
            send(session, chat, line.get().strip());
        }
    }

    /** A refused or failed send is shown and the chat goes on. */
    private void send(Session session, Conversation chat, String line) {
        if (line.isEmpty()) {
            return;
        }
        try {
            if (line.startsWith(FILE)) {
                String[] parts = line.substring(FILE.length()).strip().split(" ", 2);
                Path file = Path.of(parts[0]);
                String caption = parts.length > 1 ? parts[1] : "";
                chat.send(Attachments.upload(session, file, caption), Attachments.summary(file, caption));
            } else if (line.matches("/(react|edit|delete)( .*)?")) {
                chat.act(line);
            } else if (line.matches("/timer( .*)?")) {
                chat.timer(line);
            } else {
                chat.send(Content.text(line).encode(), line);
            }
        } catch (Exception e) {
            cli.terminal.println("! not sent: " + CourierCli.describe(e));
        }
    }
}
