package io.courier.group;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
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
 * reserved here before it is written, by a compare-and-set on the account's one row; a reservation whose group is
 * gone (deleted, or its write failed) is dropped when the account next reaches the cap, after checking each one.
 */
final class CreatedGroups {
    private static final int CAS_ATTEMPTS = 5;
    /** Reservations checked for existence at once when the account is at the cap. */
    private static final int CHECKS_IN_FLIGHT = 16;

    private final Cql cql;
    private final Function<UUID, Mono<Boolean>> exists;
    private final int max;
    private final PreparedStatement select;
    private final PreparedStatement insert;
    private final PreparedStatement update;
    private final PreparedStatement delete;

    CreatedGroups(Cql cql, Function<UUID, Mono<Boolean>> exists, int max) {
        this.cql = cql;
        this.exists = exists;
        this.max = max;
        var session = cql.session();
        select = session.prepare("SELECT groups FROM groups_created WHERE account_id = ?");
        insert = session.prepare("INSERT INTO groups_created (account_id, groups) VALUES (?, ?) IF NOT EXISTS");
        update = session.prepare("UPDATE groups_created SET groups = ? WHERE account_id = ? IF groups = ?");
        delete = session.prepare("DELETE FROM groups_created WHERE account_id = ?");
    }

    /** Reserves {@code groupId} for {@code account}, or fails FAILED_PRECONDITION if it already keeps the most. */
    Mono<Void> reserve(UUID account, UUID groupId) {
        return reserve(account, groupId, 1);
    }

    private Mono<Void> reserve(UUID account, UUID groupId, int attempt) {
        return cql.one(select.bind(account), row -> Optional.of(row.getSet(0, UUID.class)))
                .defaultIfEmpty(Optional.empty())
                .flatMap(read -> {
                    Set<UUID> before = read.orElse(Set.of());
                    Mono<Set<UUID>> kept = before.size() < max ? Mono.just(before) : stillExisting(before);
                    return kept.flatMap(live -> {
                        if (live.size() >= max) {
                            return Mono.error(Rejections.failedPrecondition("this account created " + live.size()
                                    + " groups that still exist, the most one account may keep"
                                    + " (courier.groups.max-created-per-account); a group is deleted when its last"
                                    + " member leaves"));
                        }
                        Set<UUID> after = new HashSet<>(live);
                        after.add(groupId);
                        BoundStatement write = read.isEmpty() ? insert.bind(account, after)
                                : update.bind(after, account, read.get());
                        return ReactiveCql.execute(cql.session(), write).map(AsyncResultSet::wasApplied);
                    });
                })
                .flatMap(applied -> applied ? Mono.<Void>empty() : attempt < CAS_ATTEMPTS
                        ? reserve(account, groupId, attempt + 1)
                        : Mono.error(Rejections.aborted("this account's groups kept changing; retry")));
    }

    private Mono<Set<UUID>> stillExisting(Set<UUID> reserved) {
        return Flux.fromIterable(reserved)
                .flatMap(id -> exists.apply(id).filter(Boolean::booleanValue).map(yes -> id), CHECKS_IN_FLIGHT)
                .collect(HashSet::new, Set::add);
    }

    /** The account is deleted: its groups no longer count against anyone. */
    Mono<Void> forget(UUID account) {
        return cql.write(delete.bind(account));
    }
}
