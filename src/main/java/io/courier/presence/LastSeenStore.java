package io.courier.presence;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.Cql;
import reactor.core.publisher.Mono;

/**
 * When each account's last device went offline ({@code last_seen}), kept for a short TTL: older than that there is
 * nothing to show. In CQL rather than a Hazelcast map so a full cluster restart doesn't show everyone as never seen.
 */
final class LastSeenStore {
    private final Cql cql;
    private final PreparedStatement write;
    private final PreparedStatement read;
    private final PreparedStatement delete;
    private final int ttlSeconds;

    LastSeenStore(Cql cql, Duration ttl) {
        this.cql = cql;
        this.ttlSeconds = (int) ttl.toSeconds();
        write = cql.session().prepare("INSERT INTO last_seen (account_id, seen_at) VALUES (?, ?) USING TTL ?");
        read = cql.session().prepare("SELECT seen_at FROM last_seen WHERE account_id = ?");
        delete = cql.session().prepare("DELETE FROM last_seen WHERE account_id = ?");
    }

    Mono<Void> record(UUID account, Instant seenAt) {
        return cql.write(write.bind(account, seenAt, ttlSeconds));
    }

    Mono<Void> forget(UUID account) {
        return cql.write(delete.bind(account));
    }

    Mono<Instant> find(UUID account) {
        return cql.one(read.bind(account), row -> row.getInstant("seen_at"));
    }
}
