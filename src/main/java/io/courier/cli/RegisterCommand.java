package io.courier.cli;

import io.courier.client.Credentials;
import io.courier.client.VerificationSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "register", description = "Register this device as the primary of a phone number (asks for the SMS code).")
final class RegisterCommand extends DeviceCommand {
    @Parameters(paramLabel = "PHONE", description = "international number, e.g. +4915112345678")
    String phone;

    @Option(names = "--name", defaultValue = "terminal", description = "device name (${DEFAULT-VALUE})")
    String name;

    @Override
    void run(Session session) {
        VerificationSession verification = session.client.requestVerificationCode(phone).block();
        String code = cli.terminal.ask("Verification code sent to " + phone + ": ")
                .orElseThrow(() -> new IllegalArgumentException("no verification code entered")).trim();
        Credentials credentials = session.client.register(verification, code, name).block();
        cli.terminal.println("Registered " + phone + ": account " + credentials.accountId() + ", device "
                + credentials.deviceId() + " (state in " + cli.state + ")");
    }
}
