package io.courier.media;

import java.time.LocalDate;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.common.Rejections;
import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/**
 * Declared upload bytes per account and UTC day. Reserved by compare-and-set, so parallel slot requests can never
 * together pass the quota: each reservation applies only on top of the exact total it saw.
 */
final class UploadQuota {
    private static final int ROUNDS = 16;
    /** A day's row outlives the day by one, so a request just after midnight UTC still sees yesterday's. */
    private static final int TTL_SECONDS = 2 * 24 * 3600;

    private final Cql cql;
    private final long dailyBytes;
    private final PreparedStatement first;
    private final PreparedStatement add;
    private final PreparedStatement delete;

    UploadQuota(Cql cql, long dailyBytes) {
        this.cql = cql;
        this.dailyBytes = dailyBytes;
        first = cql.session().prepare("INSERT INTO media_upload_quota (account_id, day, used_bytes) VALUES (?, ?, ?)"
                + " IF NOT EXISTS USING TTL " + TTL_SECONDS);
        add = cql.session().prepare("UPDATE media_upload_quota USING TTL " + TTL_SECONDS + " SET used_bytes = ?"
                + " WHERE account_id = ? AND day = ? IF used_bytes = ?");
        delete = cql.session().prepare("DELETE FROM media_upload_quota WHERE account_id = ? AND day = ?");
    }

    /** A deleted account's rows: those of {@code today} and the day before, all that the TTL leaves. */
    Mono<Void> forget(UUID account, LocalDate today) {
        return Mono.when(cql.write(delete.bind(account, today)), cql.write(delete.bind(account, today.minusDays(1))));
    }

    /** Reserves {@code bytes} of today's quota, or fails with RESOURCE_EXHAUSTED. */
    Mono<Void> reserve(UUID account, LocalDate day, long bytes) {
        if (bytes > dailyBytes) {
            return Mono.error(exhausted());
        }
        return ReactiveCql.execute(cql.session(), first.bind(account, day, bytes))
                .flatMap(rs -> rs.wasApplied() ? Mono.empty() : add(account, day, bytes, used(rs), 1));
    }

    private Mono<Void> add(UUID account, LocalDate day, long bytes, long used, int round) {
        if (used + bytes > dailyBytes) {
            return Mono.error(exhausted());
        }
        if (round == ROUNDS) {
            return Mono.error(Rejections.aborted("too many parallel upload requests from this account; try again"));
        }
        return ReactiveCql.execute(cql.session(), add.bind(used + bytes, account, day, used))
                .flatMap(rs -> rs.wasApplied() ? Mono.empty() : add(account, day, bytes, used(rs), round + 1));
    }

    /** The total a refused compare-and-set found. */
    private static long used(AsyncResultSet rs) {
        Row row = rs.one();
        return row == null || row.isNull("used_bytes") ? 0 : row.getLong("used_bytes");
    }

    private RuntimeException exhausted() {
        return Rejections.resourceExhausted("this account's daily upload quota of " + dailyBytes
                + " bytes is used up; try again tomorrow (UTC)");
    }
}
