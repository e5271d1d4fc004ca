package io.courier.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "delete-account", description = "On the primary device: deletes the account for good: its devices,"
        + " keys, queued messages, settings and group memberships. The number can register again, as a new account.")
final class DeleteAccountCommand extends DeviceCommand {
    @Option(names = "--confirm", required = true, paramLabel = "PHONE",
            description = "the account's phone number, typed again to confirm")
    String phoneNumber;

    @Override
    void run(Session session) {
        session.client.deleteAccount(phoneNumber).block();
        cli.terminal.println("Account deleted. This device's state (" + cli.state + ") no longer works; remove it.");
    }
}
