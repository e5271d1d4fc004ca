package io.courier.cli;

import java.util.List;

import io.courier.client.Content;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "send", description = "Send one text message; returns once the server has stored it (✓).")
final class SendCommand extends DeviceCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Target.Options to;

    @Parameters(paramLabel = "TEXT", arity = "1..*")
    List<String> words;

    @Override
    void run(Session session) {
        String text = String.join(" ", words);
        Conversation.open(session, to).send(Content.text(text).encode(), text);
    }
}
