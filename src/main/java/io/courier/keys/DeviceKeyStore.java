package io.courier.keys;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.store.Blobs;

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

    Optional<DeviceKeys> find(UUID accountId, int deviceId) {
        return Optional.ofNullable(session.execute(selectOne.bind(accountId, deviceId)).one())
                .map(DeviceKeyStore::toKeys);
    }

    List<DeviceKeys> findAll(UUID accountId) {
        return findAllAsync(accountId).toCompletableFuture().join();
    }

    /** Every device's keys, without blocking: senders look up both accounts of a message at once. */
    CompletionStage<List<DeviceKeys>> findAllAsync(UUID accountId) {
        return session.executeAsync(selectAll.bind(accountId)).thenCompose(first -> collect(first, new ArrayList<>()));
    }

    private static CompletionStage<List<DeviceKeys>> collect(AsyncResultSet page, List<DeviceKeys> into) {
        page.currentPage().forEach(row -> into.add(toKeys(row)));
        return page.hasMorePages() ? page.fetchNextPage().thenCompose(next -> collect(next, into))
                : CompletableFuture.completedFuture(into);
    }

    /** Stores a device's first complete key set unless one exists; false if another upload got there first. */
    boolean insertFirst(UUID accountId, DeviceKeys keys) {
        return session.execute(insertFirst.bind(accountId, keys.deviceId(), ByteBuffer.wrap(keys.identityKey()),
                keys.registrationId(), keys.signedPreKey().keyId(), wrap(keys.signedPreKey().publicKey()),
                wrap(keys.signedPreKey().signature()), keys.kyberLastResort().keyId(),
                wrap(keys.kyberLastResort().publicKey()), wrap(keys.kyberLastResort().signature()))).wasApplied();
    }

    void updateRegistrationId(UUID accountId, int deviceId, int registrationId) {
        session.execute(updateRegistrationId.bind(registrationId, accountId, deviceId));
    }

    void updateSignedPreKey(UUID accountId, int deviceId, PublicPreKey key) {
        session.execute(updateSignedPreKey.bind(key.keyId(), wrap(key.publicKey()), wrap(key.signature()),
                accountId, deviceId));
    }

    void updateKyberLastResort(UUID accountId, int deviceId, PublicPreKey key) {
        session.execute(updateLastResort.bind(key.keyId(), wrap(key.publicKey()), wrap(key.signature()),
                accountId, deviceId));
    }

    void delete(UUID accountId, int deviceId) {
        session.execute(delete.bind(accountId, deviceId));
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
