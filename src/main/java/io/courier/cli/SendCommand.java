package io.courier.cli;

import java.util.List;
import java.util.concurrent.Callable;

import io.courier.client.Content;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "send", description = "Send one text message; returns once the server has stored it (✓).")
final class SendCommand implements Callable<Integer> {
    @ParentCommand
    CourierCli cli;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target.Options to;

    @Parameters(paramLabel = "TEXT", arity = "1..*")
    List<String> words;

    @Override
    public Integer call() {
        try (Session session = cli.session()) {
            Target target = Target.of(session, to);
            MessageView view = new MessageView(session, MessageView.chatWith(target));
            session.connect(view);
            String text = String.join(" ", words);
            view.sent(target.send(Content.text(text).encode()), text);
            return 0;
        }
    }
}
