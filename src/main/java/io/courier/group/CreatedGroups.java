package io.courier.group;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.common.Rejections;
import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The groups each account created that may still exist ({@code groups_created}), so that one account keeps at most
 * {@code max} alive: a group lives until its last member leaves, so its creator leaving doesn't end it. A group is
 * reserved here, with the time, before it is written, by a compare-and-set on the account's one row. When the account
 * reaches the cap, reservations older than {@link #HELD} whose group is not in the store are dropped (deleted, or
 * their create never wrote it); a younger one is always kept, since its create may still be writing it — else two
 * creates at the cap could each drop the other's reservation and both write a group. A create that can't start its
 * group's write within half of {@link #HELD} gives up ({@link #writable}), so a write always lands before its
 * reservation can be dropped. A create that fails before writing its group gives its reservation back.
 */
final class CreatedGroups {
    /** A reservation this young is never dropped: its group may be on its way to the store. */
    static final Duration HELD = Duration.ofMinutes(1);
    private static final int CAS_ATTEMPTS = 5;
    /** Reservations checked for existence at once when the account is at the cap. */
    private static final int CHECKS_IN_FLIGHT = 16;

    private final Cql cql;
    private final Function<UUID, Mono<Boolean>> exists;
    private final int max;
    private final Clock clock;
    private final PreparedStatement select;
    private final PreparedStatement insert;
    private final PreparedStatement update;
    private final PreparedStatement delete;

    /** @param exists whether a group is in the store (read there, not through the near cache) */
    CreatedGroups(Cql cql, Function<UUID, Mono<Boolean>> exists, int max, Clock clock) {
        this.cql = cql;
        this.exists = exists;
        this.max = max;
        this.clock = clock;
        var session = cql.session();
        select = session.prepare("SELECT groups FROM groups_created WHERE account_id = ?");
        insert = session.prepare("INSERT INTO groups_created (account_id, groups) VALUES (?, ?) IF NOT EXISTS");
        update = session.prepare("UPDATE groups_created SET groups = ? WHERE account_id = ? IF groups = ?");
        delete = session.prepare("DELETE FROM groups_created WHERE account_id = ?");
    }

    /**
     * Reserves {@code groupId} for {@code account}, or fails FAILED_PRECONDITION if it already keeps the most.
     * Completes with the reservation's time, for {@link #writable}.
     */
    Mono<Instant> reserve(UUID account, UUID groupId) {
        return reserve(account, groupId, 1);
    }

    private Mono<Instant> reserve(UUID account, UUID groupId, int attempt) {
        return read(account).flatMap(read -> {
            Map<UUID, Instant> before = read.orElse(Map.of());
            Instant now = now();
            Mono<Map<UUID, Instant>> kept = before.size() < max ? Mono.just(before) : stillHeld(before, now);
            return kept.flatMap(live -> {
                if (live.size() >= max) {
                    return Mono.error(Rejections.failedPrecondition("this account created " + live.size()
                            + " groups that still exist, the most one account may keep"
                            + " (courier.groups.max-created-per-account); a group is deleted when its last"
                            + " member leaves"));
                }
                Map<UUID, Instant> after = new HashMap<>(live);
                after.put(groupId, now);
                BoundStatement write = read.isEmpty() ? insert.bind(account, after)
                        : update.bind(after, account, read.get());
                return applied(write).map(applied -> applied ? Optional.of(now) : Optional.<Instant>empty());
            });
        }).flatMap(reserved -> reserved.isPresent() ? Mono.just(reserved.get()) : attempt < CAS_ATTEMPTS
                ? reserve(account, groupId, attempt + 1)
                : Mono.error(Rejections.aborted("this account's groups kept changing; retry")));
    }

    /** The reservations to keep: the young ones unread, the older ones whose group is in the store. */
    private Mono<Map<UUID, Instant>> stillHeld(Map<UUID, Instant> reserved, Instant now) {
        Instant oldest = now.minus(HELD);
        return Flux.fromIterable(reserved.entrySet())
                .flatMap(e -> e.getValue().isAfter(oldest) ? Mono.just(e)
                        : exists.apply(e.getKey()).filter(Boolean::booleanValue).map(yes -> e), CHECKS_IN_FLIGHT)
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    /**
     * Whether a create that reserved at {@code reservedAt} may still start writing its group: it must land (within
     * the database's request timeout) before the reservation is old enough to be dropped.
     */
    boolean writable(Instant reservedAt) {
        return clock.instant().isBefore(reservedAt.plus(HELD.dividedBy(2)));
    }

    /**
     * Gives back the reservation of a group that was not written. Best effort, never fails: one left behind is
     * dropped once it is older than {@link #HELD}.
     */
    Mono<Void> release(UUID account, UUID groupId) {
        return release(account, groupId, 1).onErrorResume(e -> Mono.empty());
    }

    private Mono<Void> release(UUID account, UUID groupId, int attempt) {
        return read(account).flatMap(read -> {
            if (read.isEmpty() || !read.get().containsKey(groupId)) {
                return Mono.empty();
            }
            Map<UUID, Instant> after = new HashMap<>(read.get());
            after.remove(groupId);
            return applied(update.bind(after, account, read.get())).flatMap(applied -> applied
                    || attempt >= CAS_ATTEMPTS ? Mono.empty() : release(account, groupId, attempt + 1));
        });
    }

    /** The account is deleted: its groups no longer count against anyone. */
    Mono<Void> forget(UUID account) {
        return cql.write(delete.bind(account));
    }

    private Mono<Optional<Map<UUID, Instant>>> read(UUID account) {
        return cql.one(select.bind(account), row -> Optional.of(row.getMap(0, UUID.class, Instant.class)))
                .defaultIfEmpty(Optional.empty());
    }

    private Mono<Boolean> applied(BoundStatement write) {
        return ReactiveCql.execute(cql.session(), write).map(AsyncResultSet::wasApplied);
    }

    /** The column keeps milliseconds: what is written is what the next compare-and-set reads back. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
