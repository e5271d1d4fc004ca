package io.courier.keys;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.store.Blobs;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code device_keys} table. */
final class DeviceKeyStore {
    private static final String COLUMNS = "device_id, generation, identity_key, registration_id, signed_pre_key_id, signed_pre_key,"
            + " signed_pre_key_signature, kyber_last_resort_id, kyber_last_resort_key, kyber_last_resort_signature";

    private final CqlSession session;
    private final PreparedStatement selectOne;
    private final PreparedStatement selectAll;
    private final PreparedStatement insertFirst;
    private final PreparedStatement updateRegistrationId;
    private final PreparedStatement updateSignedPreKey;
    private final PreparedStatement updateLastResort;
    private final PreparedStatement delete;
    private final PreparedStatement deleteGeneration;

    DeviceKeyStore(CqlSession session) {
        this.session = session;
        selectOne = session.prepare("SELECT " + COLUMNS + " FROM device_keys WHERE account_id = ? AND device_id = ?");
        selectAll = session.prepare("SELECT " + COLUMNS + " FROM device_keys WHERE account_id = ?");
        insertFirst = session.prepare("INSERT INTO device_keys (account_id, " + COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
        String ofGeneration = " WHERE account_id = ? AND device_id = ? IF generation = ?";
        updateRegistrationId = session.prepare("UPDATE device_keys SET registration_id = ?" + ofGeneration);
        updateSignedPreKey = session.prepare("UPDATE device_keys SET signed_pre_key_id = ?, signed_pre_key = ?,"
                + " signed_pre_key_signature = ?" + ofGeneration);
        updateLastResort = session.prepare("UPDATE device_keys SET kyber_last_resort_id = ?, kyber_last_resort_key = ?,"
                + " kyber_last_resort_signature = ?" + ofGeneration);
        delete = session.prepare("DELETE FROM device_keys WHERE account_id = ? AND device_id = ?");
        deleteGeneration = session.prepare("DELETE FROM device_keys" + ofGeneration);
    }

    /** The device's keys; empty if it has none. */
    Mono<DeviceKeys> find(UUID accountId, int deviceId) {
        return ReactiveCql.execute(session, selectOne.bind(accountId, deviceId)).mapNotNull(AsyncResultSet::one)
                .map(DeviceKeyStore::toKeys);
    }

    /** Every device's keys, in device id order. */
    Flux<DeviceKeys> findAll(UUID accountId) {
        return ReactiveCql.rows(session, selectAll.bind(accountId)).map(DeviceKeyStore::toKeys);
    }

    /** Stores a device's first complete key set unless one exists; false if another upload got there first. */
    Mono<Boolean> insertFirst(UUID accountId, DeviceKeys keys) {
        return ReactiveCql.execute(session, insertFirst.bind(accountId, keys.deviceId(), keys.generation(),
                wrap(keys.identityKey()), keys.registrationId(), keys.signedPreKey().keyId(),
                wrap(keys.signedPreKey().publicKey()), wrap(keys.signedPreKey().signature()),
                keys.kyberLastResort().keyId(), wrap(keys.kyberLastResort().publicKey()),
                wrap(keys.kyberLastResort().signature()))).map(AsyncResultSet::wasApplied);
    }

    /**
     * Applies the given changes in one conditional batch, only if the stored keys are still the {@code generation}'s;
     * false if they are not (the device was revoked or its number registered again).
     */
    Mono<Boolean> update(UUID accountId, int deviceId, long generation, int registrationId,
            Optional<PublicPreKey> signedPreKey, Optional<PublicPreKey> kyberLastResort) {
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
        if (registrationId != 0) {
            batch.addStatement(updateRegistrationId.bind(registrationId, accountId, deviceId, generation));
        }
        signedPreKey.ifPresent(k -> batch.addStatement(updateSignedPreKey.bind(k.keyId(), wrap(k.publicKey()),
                wrap(k.signature()), accountId, deviceId, generation)));
        kyberLastResort.ifPresent(k -> batch.addStatement(updateLastResort.bind(k.keyId(), wrap(k.publicKey()),
                wrap(k.signature()), accountId, deviceId, generation)));
        if (batch.getStatementsCount() == 0) {
            return Mono.just(true);
        }
        return ReactiveCql.execute(session, batch.build()).map(AsyncResultSet::wasApplied);
    }

    /** Deletes the device's keys if they are the {@code generation}'s (never a newer install's). */
    Mono<Void> deleteGeneration(UUID accountId, int deviceId, long generation) {
        return ReactiveCql.execute(session, deleteGeneration.bind(accountId, deviceId, generation)).then();
    }

    Mono<Void> delete(UUID accountId, int deviceId) {
        return ReactiveCql.execute(session, delete.bind(accountId, deviceId)).then();
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return ByteBuffer.wrap(bytes);
    }

    private static DeviceKeys toKeys(Row row) {
        return new DeviceKeys(row.getInt("device_id"), row.getLong("generation"),
                Blobs.bytes(row.getByteBuffer("identity_key")),
                row.getInt("registration_id"),
                new PublicPreKey(row.getInt("signed_pre_key_id"), Blobs.bytes(row.getByteBuffer("signed_pre_key")),
                        Blobs.bytes(row.getByteBuffer("signed_pre_key_signature"))),
                new PublicPreKey(row.getInt("kyber_last_resort_id"), Blobs.bytes(row.getByteBuffer("kyber_last_resort_key")),
                        Blobs.bytes(row.getByteBuffer("kyber_last_resort_signature"))));
    }

}
