package io.courier.cli;

import io.courier.client.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "link", description = "Link this device to an account with a code from its primary (link-code).")
final class LinkCommand extends DeviceCommand {
    @Parameters(paramLabel = "CODE")
    String code;

    @Option(names = "--name", defaultValue = "linked terminal", description = "device name (${DEFAULT-VALUE})")
    String name;

    @Override
    void run(Session session) {
        Credentials credentials = session.client.link(code, name).block();
        cli.terminal.println("Linked: account " + credentials.accountId() + ", device " + credentials.deviceId()
                + " (state in " + cli.state + ")");
    }
}
