package io.courier.cli;

import java.util.concurrent.Callable;

import io.courier.client.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "link", description = "Link this device to an account with a code from its primary (link-code).")
final class LinkCommand implements Callable<Integer> {
    @ParentCommand
    CourierCli cli;

    @Parameters(paramLabel = "CODE")
    String code;

    @Option(names = "--name", defaultValue = "linked terminal", description = "device name (${DEFAULT-VALUE})")
    String name;

    @Override
    public Integer call() {
        try (Session session = cli.session()) {
            Credentials credentials = session.client.link(code, name).block();
            cli.terminal.println("Linked: account " + credentials.accountId() + ", device " + credentials.deviceId()
                    + " (state in " + cli.state + ")");
            return 0;
        }
    }
}
