package io.courier.cli;

import java.util.UUID;

import io.courier.client.SafetyNumber;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify", description = "Marks a contact verified once you compared the safety number (safety-number):"
        + " if its identity key changes later, sending to it stops until you verify again.")
final class VerifyCommand extends DeviceCommand {
    @Option(names = "--with", required = true, paramLabel = "CONTACT", description = "a phone number (+…) or an account id")
    String with;

    @Override
    void run(Session session) {
        UUID contact = session.account(with);
        SafetyNumber number = session.client.safetyNumber(contact).block();
        session.client.verify(number);
        cli.terminal.println("Verified " + session.name(contact) + " (safety number " + number.grouped() + ")");
    }
}
