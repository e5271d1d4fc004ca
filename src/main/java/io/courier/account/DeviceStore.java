package io.courier.account;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.store.Blobs;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/** The {@code devices} table: one partition per account. */
final class DeviceStore {
    private final CqlSession session;
    private final PreparedStatement selectDevice;
    private final PreparedStatement selectAccount;
    private final PreparedStatement insertDevice;
    private final PreparedStatement deleteDevice;
    private final PreparedStatement removeDevice;
    private final PreparedStatement setNextIf;
    private final PreparedStatement setPhone;

    DeviceStore(CqlSession session) {
        this.session = session;
        selectDevice = session.prepare("SELECT device_id, name, credential_salt, credential_hash, created_at"
                + " FROM devices WHERE account_id = ? AND device_id = ?");
        selectAccount = session.prepare("SELECT next_device_id, device_id, name, credential_salt, credential_hash,"
                + " created_at FROM devices WHERE account_id = ?");
        insertDevice = session.prepare("INSERT INTO devices (account_id, device_id, name, credential_salt,"
                + " credential_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)");
        deleteDevice = session.prepare("DELETE FROM devices WHERE account_id = ? AND device_id = ?");
        removeDevice = session.prepare("DELETE FROM devices WHERE account_id = ? AND device_id = ? IF EXISTS");
        setNextIf = session.prepare("UPDATE devices SET next_device_id = ? WHERE account_id = ? IF next_device_id = ?");
        setPhone = session.prepare("UPDATE devices SET phone = ? WHERE account_id = ?");
    }

    /** The device; empty if the account has no such device. */
    Mono<DeviceRecord> find(UUID accountId, int deviceId) {
        return ReactiveCql.execute(session, selectDevice.bind(accountId, deviceId)).mapNotNull(AsyncResultSet::one)
                .map(DeviceStore::toRecord);
    }

    /** {@link #find} as a stage: it runs for every call, on the transport's threads. */
    CompletionStage<Optional<DeviceRecord>> findAsync(UUID accountId, int deviceId) {
        return find(accountId, deviceId).map(Optional::of).defaultIfEmpty(Optional.empty()).toFuture();
    }

    Mono<AccountDevices> load(UUID accountId) {
        return ReactiveCql.rows(session, selectAccount.bind(accountId)).collectList().map(rows -> {
            Integer next = null;
            List<DeviceRecord> devices = new ArrayList<>();
            for (Row row : rows) {
                next = row.isNull("next_device_id") ? null : row.getInt("next_device_id");
                // A partition holding only static columns yields one row with a null clustering key.
                if (!row.isNull("device_id")) {
                    devices.add(toRecord(row));
                }
            }
            return next == null && devices.isEmpty() ? AccountDevices.NONE : new AccountDevices(next, devices);
        });
    }

    /**
     * Makes {@code primary} the account's only device (or, if empty, leaves it none), if nobody changed the device
     * list since {@code read}. Devices are deleted by id: the condition guarantees none was added since the read.
     */
    Mono<Boolean> replaceAll(UUID accountId, String phone, AccountDevices read, Optional<DeviceRecord> primary) {
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
        for (DeviceRecord device : read.devices()) {
            if (primary.isEmpty() || device.deviceId() != primary.get().deviceId()) {
                batch.addStatement(deleteDevice.bind(accountId, device.deviceId()));
            }
        }
        primary.ifPresent(p -> batch.addStatement(insert(accountId, p)));
        batch.addStatement(setPhone.bind(phone, accountId));
        // Bumping the counter makes any link racing this re-registration fail its condition and re-check.
        int next = read.nextDeviceId() == null ? 2 : read.nextDeviceId() + 1;
        batch.addStatement(setNextIf.bind(next, accountId, read.nextDeviceId()));
        return ReactiveCql.execute(session, batch.build()).map(AsyncResultSet::wasApplied);
    }

    /** Adds a linked device with the id {@code read} allocates, if the device list is still as read. */
    Mono<Boolean> addLinked(UUID accountId, AccountDevices read, DeviceRecord device) {
        BatchStatement batch = BatchStatement.builder(DefaultBatchType.LOGGED)
                .addStatement(insert(accountId, device))
                .addStatement(setNextIf.bind(device.deviceId() + 1, accountId, read.nextDeviceId()))
                .build();
        return ReactiveCql.execute(session, batch).map(AsyncResultSet::wasApplied);
    }

    /** Removes the device; false if there was none (one compare-and-delete, so exactly one revoker wins). */
    Mono<Boolean> remove(UUID accountId, int deviceId) {
        return ReactiveCql.execute(session, removeDevice.bind(accountId, deviceId)).map(AsyncResultSet::wasApplied);
    }

    private com.datastax.oss.driver.api.core.cql.BoundStatement insert(UUID accountId, DeviceRecord device) {
        return insertDevice.bind(accountId, device.deviceId(), device.name(), ByteBuffer.wrap(device.credentialSalt()),
                ByteBuffer.wrap(device.credentialHash()), device.createdAt());
    }

    private static DeviceRecord toRecord(Row row) {
        return new DeviceRecord(row.getInt("device_id"), row.getString("name"),
                Blobs.bytes(row.getByteBuffer("credential_salt")), Blobs.bytes(row.getByteBuffer("credential_hash")),
                row.getInstant("created_at"));
    }

}
