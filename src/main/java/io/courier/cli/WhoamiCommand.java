package io.courier.cli;

import java.util.concurrent.Callable;

import io.courier.client.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "whoami", description = "This device's account id and device id.")
final class WhoamiCommand implements Callable<Integer> {
    @ParentCommand
    CourierCli cli;

    @Override
    public Integer call() {
        try (Session session = cli.session()) {
            Credentials credentials = session.client.credentials();
            cli.terminal.println("account " + credentials.accountId() + ", device " + credentials.deviceId());
            return 0;
        }
    }
}
