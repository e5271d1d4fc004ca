package io.courier.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "send-file", description = "Send a file, end-to-end encrypted (any type, up to the document limit).")
final class SendFileCommand implements Callable<Integer> {
    @ParentCommand
    CourierCli cli;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target.Options to;

    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--caption", defaultValue = "")
    String caption;

    @Override
    public Integer call() throws IOException {
        try (Session session = cli.session()) {
            Target target = Target.of(session, to);
            MessageView view = new MessageView(session, MessageView.chatWith(target));
            session.connect(view);
            view.sent(target.send(Attachments.upload(session, file, caption)), Attachments.summary(file, caption));
            return 0;
        }
    }
}
