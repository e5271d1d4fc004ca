package io.courier.account;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;

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

    Optional<UUID> find(String phone) {
        Row row = session.execute(select.bind(phone)).one();
        return Optional.ofNullable(row).map(r -> r.getUuid("account_id"));
    }

    /** The number's account: the existing one, or {@code candidate} if this call claimed the number. */
    UUID claim(String phone, UUID candidate, Instant now) {
        ResultSet result = session.execute(claim.bind(phone, candidate, now));
        return result.wasApplied() ? candidate : result.one().getUuid("account_id");
    }
}
