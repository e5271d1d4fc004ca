package io.courier.cli;

import picocli.CommandLine.Command;

@Command(name = "link-code", description = "On the primary device: a one-time code that links another device.")
final class LinkCodeCommand extends DeviceCommand {
    @Override
    void run(Session session) {
        cli.terminal.println("Link code: " + session.client.createLinkCode().block());
        cli.terminal.println("On the new device: courier --state NEW.state link CODE");
    }
}
