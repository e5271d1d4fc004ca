package io.courier.cli;

import io.courier.client.Credentials;
import picocli.CommandLine.Command;

@Command(name = "whoami", description = "This device's account id and device id.")
final class WhoamiCommand extends DeviceCommand {
    @Override
    void run(Session session) {
        Credentials credentials = session.client.credentials();
        cli.terminal.println("account " + credentials.accountId() + ", device " + credentials.deviceId());
    }
}
