package io.courier.media;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.api.v1.MediaKind;
import io.courier.cluster.DeviceAddress;
import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/** The {@code media_uploads} table. Owners never change; states move only by compare-and-set. */
final class UploadStore {
    private final Cql cql;
    private final Duration retention;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement transition;

    UploadStore(Cql cql, Duration retention) {
        this.cql = cql;
        this.retention = retention;
        insert = cql.session().prepare("INSERT INTO media_uploads (object_key, account_id, device_id, kind,"
                + " size_bytes, part_size, part_count, upload_id, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " USING TTL ?");
        select = cql.session().prepare("SELECT account_id, device_id, kind, size_bytes, part_size, part_count, upload_id,"
                + " state, created_at"
                + " FROM media_uploads WHERE object_key = ?");
        transition = cql.session().prepare("UPDATE media_uploads USING TTL ? SET state = ? WHERE object_key = ?"
                + " IF state = ?");
    }

    Mono<Void> insert(UploadRecord upload) {
        return cql.write(insert.bind(upload.objectKey(), upload.owner().accountId(), upload.owner().deviceId(),
                upload.kind().getNumber(), upload.plan().size(), upload.plan().partSize(), upload.plan().partCount(),
                upload.uploadId().orElse(null), upload.state().code(),
                upload.createdAt(), (int) retention.toSeconds()));
    }

    Mono<UploadRecord> find(String objectKey) {
        return cql.one(select.bind(objectKey), row -> record(objectKey, row));
    }

    /**
     * Moves the upload from {@code from} to {@code to} if it is still in {@code from}; completes with the state it is
     * in afterwards (so a caller that lost the race learns what won).
     */
    Mono<UploadState> transition(UploadRecord upload, UploadState from, UploadState to, Instant now) {
        // The state column must expire with the rest of the row.
        long ttl = Math.max(1, retention.minus(Duration.between(upload.createdAt(), now)).toSeconds());
        return ReactiveCql.execute(cql.session(), transition.bind((int) ttl, to.code(), upload.objectKey(),
                from.code()))
                .map(rs -> {
                    if (rs.wasApplied()) {
                        return to;
                    }
                    Row current = rs.one();
                    return current == null || current.isNull("state") ? UploadState.ABORTED
                            : UploadState.of(current.getInt("state"));
                });
    }

    private static UploadPlan plan(Row row) {
        long size = row.getLong("size_bytes");
        int parts = row.getInt("part_count");
        return new UploadPlan(size, !row.isNull("upload_id"), row.getLong("part_size"), parts);
    }

    private static UploadRecord record(String objectKey, Row row) {
        return new UploadRecord(objectKey, new DeviceAddress(row.getUuid("account_id"), row.getInt("device_id")),
                MediaKind.forNumber(row.getInt("kind")), plan(row), Optional.ofNullable(row.getString("upload_id")),
                UploadState.of(row.getInt("state")), row.getInstant("created_at"));
    }
}
