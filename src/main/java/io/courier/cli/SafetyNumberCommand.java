package io.courier.cli;

import java.util.HexFormat;
import java.util.UUID;

import io.courier.client.SafetyNumber;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "safety-number", description = "The safety number with a contact: compare it with theirs (or scan"
        + " the hex form); then `verify` it.")
final class SafetyNumberCommand extends DeviceCommand {
    @Option(names = "--with", required = true, paramLabel = "CONTACT", description = "a phone number (+…) or an account id")
    String with;

    @Option(names = "--scanned", paramLabel = "HEX", description = "what was scanned from the contact's screen: says"
            + " whether it matches")
    String scanned;

    @Override
    void run(Session session) {
        UUID contact = session.account(with);
        SafetyNumber number = session.client.safetyNumber(contact).block();
        cli.terminal.println("Safety number with " + session.name(contact) + ": " + number.grouped());
        cli.terminal.println("Scannable: " + HexFormat.of().formatHex(number.scannable()));
        cli.terminal.println("Trust: " + session.client.trust(contact));
        if (scanned != null) {
            boolean matches = number.matchesScanned(hex(scanned));
            cli.terminal.println(matches ? "The scanned safety number matches."
                    : "The scanned safety number does NOT match: do not verify.");
        }
    }

    static byte[] hex(String text) {
        try {
            return HexFormat.of().parseHex(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--scanned takes the hex form safety-number prints", e);
        }
    }
}
