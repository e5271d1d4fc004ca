package io.courier.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "link-code", description = "On the primary device: a one-time code that links another device.")
final class LinkCodeCommand implements Callable<Integer> {
    @ParentCommand
    CourierCli cli;

    @Override
    public Integer call() {
        try (Session session = cli.session()) {
            cli.terminal.println("Link code: " + session.client.createLinkCode().block());
            cli.terminal.println("On the new device: courier --state NEW.state link CODE");
            return 0;
        }
    }
}
