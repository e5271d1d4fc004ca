package io.courier.account;

import java.time.Instant;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/** Phone number to account id; a number is claimed once and keeps its account across re-registrations. */
final class PhoneDirectory {
    private final CqlSession session;
    private final PreparedStatement select;
    private final PreparedStatement claim;

    PhoneDirectory(CqlSession session) {
        this.session = session;
        select = session.prepare("SELECT account_id FROM phone_accounts WHERE phone = ?");
        claim = session.prepare("INSERT INTO phone_accounts (phone, account_id, created_at) VALUES (?, ?, ?)"
                + " IF NOT EXISTS");
    }

    /** The number's account; empty if nobody registered it. */
    Mono<UUID> find(String phone) {
        return ReactiveCql.execute(session, select.bind(phone)).mapNotNull(AsyncResultSet::one)
                .map(row -> row.getUuid("account_id"));
    }

    /** The number's account: the existing one, or {@code candidate} if this call claimed the number. */
    Mono<UUID> claim(String phone, UUID candidate, Instant now) {
        return ReactiveCql.execute(session, claim.bind(phone, candidate, now))
                .map(result -> result.wasApplied() ? candidate : result.one().getUuid("account_id"));
    }
}
