package io.courier.cli;

import java.io.IOException;
import java.nio.file.Path;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "send-file", description = "Send a file, end-to-end encrypted (any type, up to the document limit).")
final class SendFileCommand extends DeviceCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Target.Options to;

    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--caption", defaultValue = "")
    String caption;

    @Override
    void run(Session session) throws IOException {
        Conversation.open(session, to).send(Attachments.upload(session, file, caption),
                Attachments.summary(file, caption));
    }
}
