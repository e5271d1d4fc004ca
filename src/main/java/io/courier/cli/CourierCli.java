package io.courier.cli;

import java.nio.file.Path;

import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code courier} command: global options; each subcommand is a class of its own. */
@Command(name = "courier", mixinStandardHelpOptions = true, version = "courier 0.1.0",
        description = "Courier from a terminal: register, link, chat with ticks, send files, groups, operator commands.",
        subcommands = { RegisterCommand.class, LinkCodeCommand.class, LinkCommand.class, WhoamiCommand.class,
                RevokeDeviceCommand.class, DeleteAccountCommand.class,
                SafetyNumberCommand.class, VerifyCommand.class,
                SendCommand.class, SendFileCommand.class, ChatCommand.class, GroupCommand.class, PrivacyCommand.class,
                AdminCommand.class })
public final class CourierCli {
    @Option(names = "--server", defaultValue = "127.0.0.1:9000", description = "host:port of any node (${DEFAULT-VALUE})")
    String server;

    @Option(names = "--tls", description = "speak TLS to the node (certificates checked against the JVM's CAs)")
    boolean tls;

    @Option(names = "--state", defaultValue = "${sys:user.home}/.courier/device.state",
            description = "this device's keys, sessions and credentials (${DEFAULT-VALUE}); one file per device")
    Path state;

    @Option(names = "--downloads", defaultValue = "courier-downloads",
            description = "where received files are saved (${DEFAULT-VALUE})")
    Path downloads;

    final Terminal terminal;

    CourierCli(Terminal terminal) {
        this.terminal = terminal;
    }

    /** Runs one command line; returns the exit code (0 ok, 1 refused or failed, 2 usage). */
    public static int run(Terminal terminal, String... args) {
        CommandLine commandLine = commandLine(terminal);
        commandLine.setExecutionExceptionHandler((error, cmd, parsed) -> {
            terminal.println("error: " + describe(error));
            return 1;
        });
        return commandLine.execute(args);
    }

    /**
     * Link codes and keys are base64url: one in 64 begins with '-', which picocli would take for an unknown option.
     * An argument that names no option is a parameter.
     */
    static CommandLine commandLine(Terminal terminal) {
        return new CommandLine(new CourierCli(terminal)).setUnmatchedOptionsArePositionalParams(true)
                .setOut(terminal.writer()).setErr(terminal.writer());
    }

    /** A refused call as its gRPC status ("NOT_FOUND: …"); anything else by its message. */
    static String describe(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof StatusRuntimeException status) {
                String description = status.getStatus().getDescription();
                return status.getStatus().getCode() + (description == null ? "" : ": " + description);
            }
        }
        Throwable root = error;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    Session session() {
        return Session.open(this);
    }
}
