package io.courier.media;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@code media_expiry} table: what is due when, sliced by due day and shard. Reads stop at "now", so the
 * tombstones of done entries are only ever behind a reader within the few days a slice is visited.
 */
final class ExpiryIndex {
    /** Slices per day: a day's entries are spread so no partition grows with the whole day's uploads. */
    static final int SHARDS = 16;

    /** One due action. */
    record Entry(LocalDate day, int shard, Instant dueAt, String objectKey, ExpiryAction action,
            Optional<String> uploadId) {
    }

    private final Cql cql;
    private final Duration lookback;
    private final PreparedStatement insert;
    private final PreparedStatement due;
    private final PreparedStatement done;

    ExpiryIndex(Cql cql, int lookbackDays) {
        this.cql = cql;
        this.lookback = Duration.ofDays(lookbackDays + 1L);
        insert = cql.session().prepare("INSERT INTO media_expiry (day, shard, due_at, object_key, action, upload_id)"
                + " VALUES (?, ?, ?, ?, ?, ?) USING TTL ?");
        due = cql.session().prepare("SELECT due_at, object_key, action, upload_id FROM media_expiry"
                + " WHERE day = ? AND shard = ? AND due_at <= ?");
        done = cql.session().prepare("DELETE FROM media_expiry WHERE day = ? AND shard = ? AND due_at = ?"
                + " AND object_key = ? AND action = ?");
    }

    /** Records an action; the entry outlives its due time by the sweeper's lookback, then it is garbage anyway. */
    Mono<Void> schedule(String objectKey, ExpiryAction action, Optional<String> uploadId, Instant dueAt,
            Instant now) {
        long ttl = Duration.between(now, dueAt).plus(lookback).toSeconds();
        return cql.write(insert.bind(day(dueAt), shard(objectKey), dueAt, objectKey, action.code,
                uploadId.orElse(null), (int) ttl));
    }

    Flux<Entry> due(LocalDate day, int shard, Instant now) {
        return ReactiveCql.rows(cql.session(), due.bind(day, shard, now))
                .map(row -> new Entry(day, shard, row.getInstant("due_at"), row.getString("object_key"),
                        ExpiryAction.of(row.getInt("action")), Optional.ofNullable(row.getString("upload_id"))));
    }

    /** Drops an entry whose action has run; one that keeps failing stays until its TTL. */
    Mono<Void> done(Entry entry) {
        return cql.write(done.bind(entry.day(), entry.shard(), entry.dueAt(), entry.objectKey(),
                entry.action().code));
    }

    static LocalDate day(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC);
    }

    static int shard(String objectKey) {
        return Math.floorMod(objectKey.hashCode(), SHARDS);
    }
}
