package io.courier.cli;

import io.courier.client.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "link", description = "Link this device to an account: without CODE, shows this device's link key for"
        + " the primary's link-code; with the CODE it printed, links.")
final class LinkCommand extends DeviceCommand {
    @Parameters(paramLabel = "CODE", arity = "0..1")
    String code;

    @Option(names = "--name", defaultValue = "linked terminal", description = "device name (${DEFAULT-VALUE})")
    String name;

    @Override
    void run(Session session) {
        if (code == null) {
            String key = session.client.linkKey();
            cli.terminal.println("Link key: " + key);
            cli.terminal.println("On the primary device: courier link-code --for " + key);
            return;
        }
        Credentials credentials = session.client.link(code, name).block();
        cli.terminal.println("Linked: account " + credentials.accountId() + ", device " + credentials.deviceId()
                + " (state in " + cli.state + ")");
    }
}
