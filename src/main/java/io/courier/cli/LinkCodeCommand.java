package io.courier.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "link-code", description = "On the primary device: a one-time code that links the device whose link"
        + " key is given (run `link` without a code there to see it); the account's identity goes with it, sealed.")
final class LinkCodeCommand extends DeviceCommand {
    @Option(names = "--for", required = true, paramLabel = "LINK_KEY", description = "the new device's link key")
    String linkKey;

    @Override
    void run(Session session) {
        cli.terminal.println("Link code: " + session.client.createLinkCode(linkKey).block());
        cli.terminal.println("On the new device: courier --state NEW.state link CODE");
    }
}
