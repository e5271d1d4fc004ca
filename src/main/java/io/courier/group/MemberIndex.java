package io.courier.group;

import java.util.Collection;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@code account_groups} table: the groups an account may be a member of. A superset that only grows: entries
 * for accounts a change adds are written before its compare-and-set and never removed one by one (a removal after
 * the write could race a later change that adds the account again); a stale entry only costs a read when the
 * account is deleted, which clears them all. Only a create that gives up before writing its group takes its entries
 * back ({@link #neverWritten}).
 */
final class MemberIndex {
    /** Index writes in flight for one change (a group has at most a few thousand members). */
    private static final int WRITES_IN_FLIGHT = 32;

    private final Cql cql;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement deleteAccount;
    private final PreparedStatement delete;

    MemberIndex(Cql cql) {
        this.cql = cql;
        var session = cql.session();
        insert = session.prepare("INSERT INTO account_groups (account_id, group_id) VALUES (?, ?)");
        select = session.prepare("SELECT group_id FROM account_groups WHERE account_id = ?");
        deleteAccount = session.prepare("DELETE FROM account_groups WHERE account_id = ?");
        delete = session.prepare("DELETE FROM account_groups WHERE account_id = ? AND group_id = ?");
    }

    Mono<Void> added(UUID groupId, Collection<UUID> accounts) {
        return Flux.fromIterable(accounts).flatMap(a -> cql.write(insert.bind(a, groupId)), WRITES_IN_FLIGHT).then();
    }

    /**
     * Takes back the entries a create wrote for a group it then never wrote. Unlike a change's, these can go: the
     * group's id was new, so no later change can add anyone to it and need them.
     */
    Mono<Void> neverWritten(UUID groupId, Collection<UUID> accounts) {
        return Flux.fromIterable(accounts).flatMap(a -> cql.write(delete.bind(a, groupId)), WRITES_IN_FLIGHT).then();
    }

    Flux<UUID> groupsOf(UUID account) {
        return ReactiveCql.rows(cql.session(), select.bind(account)).map(row -> row.getUuid(0));
    }

    Mono<Void> forget(UUID account) {
        return cql.write(deleteAccount.bind(account));
    }
}
