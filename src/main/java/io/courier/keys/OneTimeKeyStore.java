package io.courier.keys;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.Blobs;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One-time prekeys, claimed with a compare-and-delete (LWT) so two fetchers can never both get a key: the delete
 * applies only while the row still holds the exact key that was read. Each partition records (static column) the
 * generation of the install that uploaded it; keys of any other generation are never handed out or counted.
 */
final class OneTimeKeyStore {
    /** Fetchers pick randomly among the first few keys so concurrent claims rarely collide on one row. */
    private static final int CANDIDATES = 8;
    private static final int ROUNDS = 4;

    private final CqlSession session;
    private final PreparedStatement selectFirst;
    private final PreparedStatement claim;
    private final PreparedStatement count;
    private final PreparedStatement deleteAll;
    private final PreparedStatement deleteAllAt;
    private final PreparedStatement insertAt;
    private final PreparedStatement generationAt;

    OneTimeKeyStore(CqlSession session) {
        this.session = session;
        String partition = " WHERE account_id = ? AND device_id = ? AND kind = ?";
        selectFirst = session.prepare("SELECT generation, key_id, public_key, signature FROM one_time_keys"
                + partition + " LIMIT " + CANDIDATES);
        claim = session.prepare("DELETE FROM one_time_keys" + partition + " AND key_id = ? IF public_key = ?");
        // At most one upload's keys (100) per partition: counted here, so the generation can be checked.
        count = session.prepare("SELECT generation, key_id FROM one_time_keys" + partition);
        deleteAll = session.prepare("DELETE FROM one_time_keys" + partition);
        deleteAllAt = session.prepare("DELETE FROM one_time_keys USING TIMESTAMP ?" + partition);
        insertAt = session.prepare("INSERT INTO one_time_keys (account_id, device_id, kind, key_id, public_key,"
                + " signature) VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?");
        generationAt = session.prepare("UPDATE one_time_keys USING TIMESTAMP ? SET generation = ?" + partition);
    }

    /** A write timestamp for {@link #replace} (microseconds, like the driver's own). */
    static long now() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    /**
     * Replaces the device's keys of this kind atomically: one single-partition batch with the partition delete at
     * {@code micros}, one microsecond before the inserts (in a batch, equal timestamps would let the tombstone win).
     */
    Mono<Void> replace(UUID accountId, int deviceId, long generation, OneTimeKeyKind kind, List<PublicPreKey> keys,
            long micros) {
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED)
                .addStatement(deleteAllAt.bind(micros, accountId, deviceId, kind.code))
                .addStatement(generationAt.bind(micros + 1, generation, accountId, deviceId, kind.code));
        for (PublicPreKey key : keys) {
            batch.addStatement(insertAt.bind(accountId, deviceId, kind.code, key.keyId(),
                    ByteBuffer.wrap(key.publicKey()), ByteBuffer.wrap(key.signature()), micros + 1));
        }
        return ReactiveCql.execute(session, batch.build()).then();
    }

    /**
     * Claims one key of the {@code generation}, removing it; empty when none is left (or none could be won from
     * concurrent fetchers).
     */
    Mono<PublicPreKey> claim(UUID accountId, int deviceId, long generation, OneTimeKeyKind kind) {
        return claim(accountId, deviceId, generation, kind, 0);
    }

    private Mono<PublicPreKey> claim(UUID accountId, int deviceId, long generation, OneTimeKeyKind kind, int round) {
        if (round == ROUNDS) {
            return Mono.empty();
        }
        return ReactiveCql.rows(session, selectFirst.bind(accountId, deviceId, kind.code))
                .filter(row -> !row.isNull("key_id") && row.getLong("generation") == generation)
                .map(row -> new PublicPreKey(row.getInt("key_id"), Blobs.bytes(row.getByteBuffer("public_key")),
                        Blobs.bytes(row.getByteBuffer("signature"))))
                .collectList()
                .flatMap(candidates -> {
                    if (candidates.isEmpty()) {
                        return Mono.empty();
                    }
                    Collections.shuffle(candidates);
                    // One compare-and-delete at a time: stop at the first won, never burn a second key.
                    return Flux.fromIterable(candidates)
                            .concatMap(candidate -> tryClaim(accountId, deviceId, kind, candidate)
                                    .filter(won -> won).map(won -> candidate))
                            .next()
                            .switchIfEmpty(Mono.defer(() -> claim(accountId, deviceId, generation, kind, round + 1)));
                });
    }

    private Mono<Boolean> tryClaim(UUID accountId, int deviceId, OneTimeKeyKind kind, PublicPreKey key) {
        return ReactiveCql.execute(session, claim.bind(accountId, deviceId, kind.code, key.keyId(),
                        ByteBuffer.wrap(key.publicKey())))
                .map(AsyncResultSet::wasApplied)
                // The delete may or may not have happened. Never hand the key out: at worst it is burned, never shared.
                .onErrorResume(e -> e instanceof WriteTimeoutException || e instanceof CASWriteUnknownException,
                        unknownOutcome -> Mono.just(false));
    }

    Mono<Integer> count(UUID accountId, int deviceId, long generation, OneTimeKeyKind kind) {
        return ReactiveCql.rows(session, count.bind(accountId, deviceId, kind.code))
                .filter(row -> !row.isNull("key_id") && row.getLong("generation") == generation)
                .count().map(Long::intValue);
    }

    /**
     * Undoes a {@link #replace} made at {@code micros}: deletes what was written up to then, never what a later
     * upload (a newer install's) wrote.
     */
    Mono<Void> undoReplace(UUID accountId, int deviceId, OneTimeKeyKind kind, long micros) {
        return ReactiveCql.execute(session, deleteAllAt.bind(micros + 1, accountId, deviceId, kind.code)).then();
    }

    Mono<Void> deleteAll(UUID accountId, int deviceId, OneTimeKeyKind kind) {
        return ReactiveCql.execute(session, deleteAll.bind(accountId, deviceId, kind.code)).then();
    }
}
