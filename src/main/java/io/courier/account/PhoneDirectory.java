package io.courier.account;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/**
 * Phone number to account id. Every registration gives the number a fresh account id, so whoever gets a recycled
 * number starts with nothing of the previous owner's (receipts, statuses and queues are keyed by account id).
 */
final class PhoneDirectory {
    private final CqlSession session;
    private final PreparedStatement select;
    private final PreparedStatement claim;
    private final PreparedStatement reassign;
    private final PreparedStatement release;

    PhoneDirectory(CqlSession session) {
        this.session = session;
        select = session.prepare("SELECT account_id FROM phone_accounts WHERE phone = ?");
        claim = session.prepare("INSERT INTO phone_accounts (phone, account_id, created_at) VALUES (?, ?, ?)"
                + " IF NOT EXISTS");
        reassign = session.prepare("UPDATE phone_accounts SET account_id = ?, created_at = ? WHERE phone = ?"
                + " IF account_id = ?");
        release = session.prepare("DELETE FROM phone_accounts WHERE phone = ? IF account_id = ?");
    }

    /** The number's account; empty if nobody registered it. */
    Mono<UUID> find(String phone) {
        return ReactiveCql.execute(session, select.bind(phone)).mapNotNull(AsyncResultSet::one)
                .map(row -> row.getUuid("account_id"));
    }

    /** Frees the number of a deleted account, unless it already points elsewhere. */
    Mono<Void> release(String phone, UUID accountId) {
        return ReactiveCql.execute(session, release.bind(phone, accountId)).then();
    }

    /**
     * Points the number at {@code next} if it still points at {@code previous} (or nowhere, if empty); false if a
     * concurrent registration changed it first.
     */
    Mono<Boolean> assign(String phone, Optional<UUID> previous, UUID next, Instant now) {
        return ReactiveCql.execute(session, previous.isPresent() ? reassign.bind(next, now, phone, previous.get())
                : claim.bind(phone, next, now)).map(AsyncResultSet::wasApplied);
    }
}
