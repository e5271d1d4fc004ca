package io.courier.cli;

import java.util.concurrent.Callable;

import io.courier.client.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "register", description = "Register this device as the primary of a phone number (asks for the SMS code).")
final class RegisterCommand implements Callable<Integer> {
    @ParentCommand
    CourierCli cli;

    @Parameters(paramLabel = "PHONE", description = "international number, e.g. +4915112345678")
    String phone;

    @Option(names = "--name", defaultValue = "terminal", description = "device name (${DEFAULT-VALUE})")
    String name;

    @Override
    public Integer call() {
        try (Session session = cli.session()) {
            session.client.requestVerificationCode(phone).block();
            String code = cli.terminal.ask("Verification code sent to " + phone + ": ")
                    .orElseThrow(() -> new IllegalArgumentException("no verification code entered")).trim();
            Credentials credentials = session.client.register(phone, code, name).block();
            cli.terminal.println("Registered " + phone + ": account " + credentials.accountId() + ", device "
                    + credentials.deviceId() + " (state in " + cli.state + ")");
            return 0;
        }
    }
}
