package io.courier.keys;

import java.nio.ByteBuffer;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.store.Blobs;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code device_keys} table. */
final class DeviceKeyStore {
    private static final String COLUMNS = "device_id, identity_key, registration_id, signed_pre_key_id, signed_pre_key,"
            + " signed_pre_key_signature, kyber_last_resort_id, kyber_last_resort_key, kyber_last_resort_signature";

    private final CqlSession session;
    private final PreparedStatement selectOne;
    private final PreparedStatement selectAll;
    private final PreparedStatement insertFirst;
    private final PreparedStatement updateRegistrationId;
    private final PreparedStatement updateSignedPreKey;
    private final PreparedStatement updateLastResort;
    private final PreparedStatement delete;

    DeviceKeyStore(CqlSession session) {
        this.session = session;
        selectOne = session.prepare("SELECT " + COLUMNS + " FROM device_keys WHERE account_id = ? AND device_id = ?");
        selectAll = session.prepare("SELECT " + COLUMNS + " FROM device_keys WHERE account_id = ?");
        insertFirst = session.prepare("INSERT INTO device_keys (account_id, " + COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
        updateRegistrationId = session.prepare(
                "UPDATE device_keys SET registration_id = ? WHERE account_id = ? AND device_id = ?");
        updateSignedPreKey = session.prepare("UPDATE device_keys SET signed_pre_key_id = ?, signed_pre_key = ?,"
                + " signed_pre_key_signature = ? WHERE account_id = ? AND device_id = ?");
        updateLastResort = session.prepare("UPDATE device_keys SET kyber_last_resort_id = ?, kyber_last_resort_key = ?,"
                + " kyber_last_resort_signature = ? WHERE account_id = ? AND device_id = ?");
        delete = session.prepare("DELETE FROM device_keys WHERE account_id = ? AND device_id = ?");
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
        return ReactiveCql.execute(session, insertFirst.bind(accountId, keys.deviceId(),
                wrap(keys.identityKey()), keys.registrationId(), keys.signedPreKey().keyId(),
                wrap(keys.signedPreKey().publicKey()), wrap(keys.signedPreKey().signature()),
                keys.kyberLastResort().keyId(), wrap(keys.kyberLastResort().publicKey()),
                wrap(keys.kyberLastResort().signature()))).map(AsyncResultSet::wasApplied);
    }

    Mono<Void> updateRegistrationId(UUID accountId, int deviceId, int registrationId) {
        return ReactiveCql.execute(session, updateRegistrationId.bind(registrationId, accountId, deviceId)).then();
    }

    Mono<Void> updateSignedPreKey(UUID accountId, int deviceId, PublicPreKey key) {
        return ReactiveCql.execute(session, updateSignedPreKey.bind(key.keyId(), wrap(key.publicKey()),
                wrap(key.signature()), accountId, deviceId)).then();
    }

    Mono<Void> updateKyberLastResort(UUID accountId, int deviceId, PublicPreKey key) {
        return ReactiveCql.execute(session, updateLastResort.bind(key.keyId(), wrap(key.publicKey()),
                wrap(key.signature()), accountId, deviceId)).then();
    }

    Mono<Void> delete(UUID accountId, int deviceId) {
        return ReactiveCql.execute(session, delete.bind(accountId, deviceId)).then();
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return ByteBuffer.wrap(bytes);
    }

    private static DeviceKeys toKeys(Row row) {
        return new DeviceKeys(row.getInt("device_id"), Blobs.bytes(row.getByteBuffer("identity_key")),
                row.getInt("registration_id"),
                new PublicPreKey(row.getInt("signed_pre_key_id"), Blobs.bytes(row.getByteBuffer("signed_pre_key")),
                        Blobs.bytes(row.getByteBuffer("signed_pre_key_signature"))),
                new PublicPreKey(row.getInt("kyber_last_resort_id"), Blobs.bytes(row.getByteBuffer("kyber_last_resort_key")),
                        Blobs.bytes(row.getByteBuffer("kyber_last_resort_signature"))));
    }

}
