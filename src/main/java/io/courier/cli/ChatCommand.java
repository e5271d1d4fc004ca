package io.courier.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

import io.courier.client.Content;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "chat", description = "An interactive chat: type to send; incoming messages and ticks appear live.")
final class ChatCommand implements Callable<Integer> {
    private static final String FILE = "/file ";

    @ParentCommand
    CourierCli cli;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target.Options with;

    @Override
    public Integer call() {
        try (Session session = cli.session()) {
            Target target = Target.of(session, with);
            MessageView view = new MessageView(session, MessageView.chatWith(target));
            session.connect(view);
            cli.terminal.println("Chat with " + target.describe() + ". Type a message and Enter; /file PATH [caption]"
                    + " sends a file; /quit leaves. ✓ stored, ✓✓ delivered, ✓✓ read.");
            for (Optional<String> line = cli.terminal.readLine(); line.isPresent() && !line.get().equals("/quit");
                    line = cli.terminal.readLine()) {
                send(session, target, view, line.get().strip());
            }
            return 0;
        }
    }

    /** A refused or failed send is shown and the chat goes on. */
    private void send(Session session, Target target, MessageView view, String line) {
        if (line.isEmpty()) {
            return;
        }
        try {
            if (line.startsWith(FILE)) {
                String[] parts = line.substring(FILE.length()).strip().split(" ", 2);
                Path file = Path.of(parts[0]);
                String caption = parts.length > 1 ? parts[1] : "";
                view.sent(target.send(Attachments.upload(session, file, caption)), Attachments.summary(file, caption));
            } else {
                view.sent(target.send(Content.text(line).encode()), line);
            }
        } catch (Exception e) {
            cli.terminal.println("! not sent: " + CourierCli.describe(e));
        }
    }
}
