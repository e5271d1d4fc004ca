package io.courier.account;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
import reactor.core.publisher.Flux;
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
    private final PreparedStatement setLockIf;
    private final PreparedStatement touch;
    private final PreparedStatement markDeleted;
    private final PreparedStatement addLinkCode;
    private final PreparedStatement deleteAccount;
    private final PreparedStatement recordDeletion;
    private final PreparedStatement deletionsInHour;

    DeviceStore(CqlSession session) {
        this.session = session;
        selectDevice = session.prepare("SELECT device_id, name, credential_salt, credential_hash, created_at,"
                + " last_seen FROM devices WHERE account_id = ? AND device_id = ?");
        selectAccount = session.prepare("SELECT next_device_id, phone, lock_salt, lock_hash, lock_params, deleted_at,"
                + " open_link_codes, device_id, name, credential_salt, credential_hash, created_at, last_seen"
                + " FROM devices WHERE account_id = ?");
        insertDevice = session.prepare("INSERT INTO devices (account_id, device_id, name, credential_salt,"
                + " credential_hash, created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)");
        deleteDevice = session.prepare("DELETE FROM devices WHERE account_id = ? AND device_id = ?");
        removeDevice = session.prepare("DELETE FROM devices WHERE account_id = ? AND device_id = ? IF EXISTS");
        setNextIf = session.prepare("UPDATE devices SET next_device_id = ? WHERE account_id = ? IF next_device_id = ?");
        setPhone = session.prepare("UPDATE devices SET phone = ? WHERE account_id = ?");
        // Bumps next_device_id too: a re-registration that read the previous lock state fails its condition.
        setLockIf = session.prepare("UPDATE devices SET lock_salt = ?, lock_hash = ?, lock_params = ?,"
                + " next_device_id = ? WHERE account_id = ? IF next_device_id = ?");
        markDeleted = session.prepare("UPDATE devices SET deleted_at = ?, next_device_id = ? WHERE account_id = ?"
                + " IF next_device_id = ?");
        // Each element expires with its code, so the set holds only codes that may still be open.
        addLinkCode = session.prepare("UPDATE devices USING TTL ? SET open_link_codes = open_link_codes + ?"
                + " WHERE account_id = ?");
        deleteAccount = session.prepare("DELETE FROM devices WHERE account_id = ?");
        recordDeletion = session.prepare("INSERT INTO account_deletions (hour, account_id) VALUES (?, ?)");
        deletionsInHour = session.prepare("SELECT account_id FROM account_deletions WHERE hour = ?");
        // IF EXISTS: a plain update of a device removed meanwhile would bring back a row holding only last_seen.
        touch = session.prepare("UPDATE devices SET last_seen = ? WHERE account_id = ? AND device_id = ? IF EXISTS");
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
            String phone = null;
            Optional<PinHasher.StoredPin> lock = Optional.empty();
            Optional<Instant> deletedAt = Optional.empty();
            Set<ByteBuffer> openLinkCodes = Set.of();
            List<DeviceRecord> devices = new ArrayList<>();
            for (Row row : rows) {
                next = row.isNull("next_device_id") ? null : row.getInt("next_device_id");
                phone = row.getString("phone");
                deletedAt = Optional.ofNullable(row.getInstant("deleted_at"));
                openLinkCodes = row.getSet("open_link_codes", ByteBuffer.class);
                lock = row.isNull("lock_hash") ? Optional.empty() : Optional.of(new PinHasher.StoredPin(
                        Blobs.bytes(row.getByteBuffer("lock_salt")), Blobs.bytes(row.getByteBuffer("lock_hash")),
                        row.getString("lock_params")));
                // A partition holding only static columns yields one row with a null clustering key.
                if (!row.isNull("device_id")) {
                    devices.add(toRecord(row));
                }
            }
            return next == null && devices.isEmpty() ? AccountDevices.NONE
                    : new AccountDevices(next, phone, devices, lock, deletedAt, openLinkCodes);
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

    /**
     * Sets the account's Registration Lock (or removes it, if empty), if the device list is still as {@code read}:
     * a lock change and a re-registration never both apply on the same read.
     */
    Mono<Boolean> setLock(UUID accountId, AccountDevices read, Optional<PinHasher.StoredPin> lock) {
        int next = read.allocateDeviceId() + 1;
        return ReactiveCql.execute(session, setLockIf.bind(
                        lock.map(l -> ByteBuffer.wrap(l.salt())).orElse(null),
                        lock.map(l -> ByteBuffer.wrap(l.hash())).orElse(null),
                        lock.map(PinHasher.StoredPin::params).orElse(null), next, accountId, read.nextDeviceId()))
                .map(AsyncResultSet::wasApplied);
    }

    /**
     * Starts the account's deletion, if the device list is still as {@code read}: every device goes (their
     * credentials fail from now on) and the marker says what is left to clean up.
     */
    Mono<Boolean> markDeleted(UUID accountId, AccountDevices read, Instant now) {
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
        read.devices().forEach(device -> batch.addStatement(deleteDevice.bind(accountId, device.deviceId())));
        batch.addStatement(markDeleted.bind(now, read.allocateDeviceId() + 1, accountId, read.nextDeviceId()));
        // First the sweep's record (a conditional batch can't span partitions): one without a marker is ignored.
        return ReactiveCql.execute(session, recordDeletion.bind(hour(now), accountId))
                .then(ReactiveCql.execute(session, batch.build()).map(AsyncResultSet::wasApplied));
    }

    /** Accounts whose deletion started in this hour (hours since the epoch). */
    Flux<UUID> deletionsStartedIn(long hour) {
        return ReactiveCql.rows(session, deletionsInHour.bind(hour)).map(row -> row.getUuid("account_id"));
    }

    static long hour(Instant time) {
        return time.getEpochSecond() / 3600;
    }

    /** Remembers a link code the account issued, for as long as the code lives. */
    Mono<Void> addOpenLinkCode(UUID accountId, byte[] codeHash, Duration ttl) {
        return ReactiveCql.execute(session, addLinkCode.bind((int) ttl.toSeconds(), Set.of(ByteBuffer.wrap(codeHash)),
                accountId)).then();
    }

    /** The last step of a deletion: the partition goes, with the marker, the number and the Registration Lock. */
    Mono<Void> forget(UUID accountId) {
        return ReactiveCql.execute(session, deleteAccount.bind(accountId)).then();
    }

    /** Records that the device was seen at {@code now}; does nothing if it was removed meanwhile. */
    Mono<Void> touch(UUID accountId, int deviceId, Instant now) {
        return ReactiveCql.execute(session, touch.bind(now, accountId, deviceId)).then();
    }

    /** Removes the device; false if there was none (one compare-and-delete, so exactly one revoker wins). */
    Mono<Boolean> remove(UUID accountId, int deviceId) {
        return ReactiveCql.execute(session, removeDevice.bind(accountId, deviceId)).map(AsyncResultSet::wasApplied);
    }

    private com.datastax.oss.driver.api.core.cql.BoundStatement insert(UUID accountId, DeviceRecord device) {
        return insertDevice.bind(accountId, device.deviceId(), device.name(), ByteBuffer.wrap(device.credentialSalt()),
                ByteBuffer.wrap(device.credentialHash()), device.createdAt(), device.lastSeen());
    }

    private static DeviceRecord toRecord(Row row) {
        return new DeviceRecord(row.getInt("device_id"), row.getString("name"),
                Blobs.bytes(row.getByteBuffer("credential_salt")), Blobs.bytes(row.getByteBuffer("credential_hash")),
                row.getInstant("created_at"),
                // Rows from before last_seen existed count as seen when created.
                row.isNull("last_seen") ? row.getInstant("created_at") : row.getInstant("last_seen"));
    }

}
