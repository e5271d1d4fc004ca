package io.courier.cli;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import io.courier.client.MessageRef;
import io.courier.client.SentMessage;
import picocli.CommandLine.Option;
import reactor.core.publisher.Mono;

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
        return either(g -> session.client.sendToGroup(g, content), a -> session.client.send(a, content));
    }

    void react(MessageRef message, String emoji) {
        either(g -> session.client.reactInGroup(g, message, emoji), a -> session.client.react(a, message, emoji));
    }

    void edit(MessageRef message, String text) {
        either(g -> session.client.editInGroup(g, message, text), a -> session.client.edit(a, message, text));
    }

    void deleteForEveryone(MessageRef message) {
        either(g -> session.client.deleteForEveryoneInGroup(g, message),
                a -> session.client.deleteForEveryone(a, message));
    }

    void setDisappearingTimer(Duration timer) {
        either(g -> session.client.setDisappearingTimerInGroup(g, timer),
                a -> session.client.setDisappearingTimer(a, timer));
    }

    /** The group's send or the account's, waited for. */
    private SentMessage either(Function<UUID, Mono<SentMessage>> toGroup,
            Function<UUID, Mono<SentMessage>> toAccount) {
        return group.map(toGroup).orElseGet(() -> toAccount.apply(account.orElseThrow())).block();
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
