package io.courier.cli;

import java.util.Optional;
import java.util.UUID;

import io.courier.client.SentMessage;
import picocli.CommandLine.Option;

/** Whom a command talks to: one account (by number or id) or a group. */
final class Target {
    /** The command-line form: exactly one of --to and --group (an exclusive ArgGroup of the command). */
    static final class Options {
        @Option(names = "--to", required = true, description = "a phone number (+…) or an account id")
        String to;

        @Option(names = "--group", required = true, description = "a group id (from group create)")
        UUID group;
    }

    private final Session session;
    private final Optional<UUID> account;
    private final Optional<UUID> group;

    private Target(Session session, Optional<UUID> account, Optional<UUID> group) {
        this.session = session;
        this.account = account;
        this.group = group;
    }

    static Target of(Session session, Options options) {
        return options.group != null ? new Target(session, Optional.empty(), Optional.of(options.group))
                : new Target(session, Optional.of(session.account(options.to)), Optional.empty());
    }

    /** Sends E2E-encrypted content and waits for the server's acknowledgement (the single tick). */
    SentMessage send(byte[] content) {
        return group.map(g -> session.client.sendToGroup(g, content))
                .orElseGet(() -> session.client.send(account.orElseThrow(), content)).block();
    }

    Optional<UUID> group() {
        return group;
    }

    Optional<UUID> account() {
        return account;
    }

    String describe() {
        return group.map(g -> "group " + g).orElseGet(() -> session.name(account.orElseThrow()));
    }
}
