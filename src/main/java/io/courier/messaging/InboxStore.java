package io.courier.messaging;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.DeviceAddress;
import io.courier.store.Blobs;
import io.courier.store.Cql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Per-device inboxes. Rows live in server-id order in one partition per device; acked rows are deleted. A drain
 * reads only rows above the device's cursor ({@code inbox_cursor}), so the deleted history below it is seeked past,
 * never scanned: LSM stores would otherwise wade through every tombstone of the device's past on every reconnect.
 */
public final class InboxStore implements MailboxStorage {
    private static final byte KIND_MESSAGE = 1;
    private static final byte KIND_RECEIPT = 2;
    private static final byte KIND_GROUP_EVENT = 3;
    private static final String COLUMNS = "server_id, kind, sender_account_id, sender_device_id, client_message_id,"
            + " server_ts, envelope_type, ciphertext, payload_ref, group_id, sync_recipient_id, message_server_id,"
            + " receipt_state, receipt_recipient_id, receipt_more_recipients";

    private final Cql cql;
    private final PreparedStatement insertMessage;
    private final PreparedStatement insertReceipt;
    private final PreparedStatement insertGroupEvent;
    private final PreparedStatement insertShared;
    private final PreparedStatement selectShared;
    private final PreparedStatement selectAfter;
    private final PreparedStatement selectSome;
    private final PreparedStatement deleteSome;
    private final PreparedStatement deleteInbox;
    private final PreparedStatement deleteCursor;
    private final PreparedStatement selectCursor;
    private final PreparedStatement updateCursor;

    InboxStore(Cql cql) {
        this.cql = cql;
        CqlSession session = cql.session();
        insertMessage = session.prepare("INSERT INTO inbox (account_id, device_id, server_id, kind, sender_account_id,"
                + " sender_device_id, client_message_id, server_ts, envelope_type, ciphertext, payload_ref, group_id,"
                + " sync_recipient_id) VALUES (?, ?, ?, " + KIND_MESSAGE + ", ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        insertReceipt = session.prepare("INSERT INTO inbox (account_id, device_id, server_id, kind, server_ts,"
                + " receipt_recipient_id, receipt_more_recipients, message_server_id, receipt_state, group_id)"
                + " VALUES (?, ?, ?, " + KIND_RECEIPT + ", ?, ?, ?, ?, ?, ?)");
        // A group event's bytes are a shared payload stored under the event's own id.
        insertGroupEvent = session.prepare("INSERT INTO inbox (account_id, device_id, server_id, kind, payload_ref)"
                + " VALUES (?, ?, ?, " + KIND_GROUP_EVENT + ", ?)");
        insertShared = session.prepare("INSERT INTO shared_payloads (payload_id, ciphertext) VALUES (?, ?)");
        selectShared = session.prepare("SELECT ciphertext FROM shared_payloads WHERE payload_id = ?");
        selectAfter = session.prepare("SELECT " + COLUMNS + " FROM inbox WHERE account_id = ? AND device_id = ?"
                + " AND server_id > ? LIMIT ?");
        selectSome = session.prepare("SELECT " + COLUMNS + " FROM inbox WHERE account_id = ? AND device_id = ?"
                + " AND server_id IN ?");
        deleteSome = session.prepare("DELETE FROM inbox WHERE account_id = ? AND device_id = ? AND server_id IN ?");
        deleteInbox = session.prepare("DELETE FROM inbox WHERE account_id = ? AND device_id = ?");
        deleteCursor = session.prepare("DELETE FROM inbox_cursor WHERE account_id = ? AND device_id = ?");
        selectCursor = session.prepare("SELECT acked_through FROM inbox_cursor WHERE account_id = ? AND device_id = ?");
        updateCursor = session.prepare("UPDATE inbox_cursor SET acked_through = ? WHERE account_id = ?"
                + " AND device_id = ?");
    }

    Mono<Void> append(DeviceAddress to, InboxItem item) {
        return cql.write(insert(to, item));
    }

    /** Appends several items to one device's inbox in one round trip (one partition: an unlogged batch is atomic). */
    Mono<Void> appendAll(DeviceAddress to, List<? extends InboxItem> items) {
        if (items.size() == 1) {
            return append(to, items.get(0));
        }
        return cql.write(BatchStatement.newInstance(BatchType.UNLOGGED,
                items.stream().<BatchableStatement<?>>map(item -> insert(to, item)).toList()));
    }

    private BoundStatement insert(DeviceAddress to, InboxItem item) {
        if (item instanceof InboxItem.Message m) {
            return insertMessage.bind(to.accountId(), to.deviceId(), m.serverId(), m.sender(), m.senderDevice(),
                    m.clientMessageId(), m.serverTime(), (byte) m.envelopeType(), ByteBuffer.wrap(m.ciphertext()),
                    null, m.groupId(), m.syncRecipient());
        }
        if (item instanceof InboxItem.GroupChange g) {
            return insertGroupEvent.bind(to.accountId(), to.deviceId(), g.serverId(), g.serverId());
        }
        InboxItem.Receipt r = (InboxItem.Receipt) item;
        List<UUID> recipients = r.recipients();
        return insertReceipt.bind(to.accountId(), to.deviceId(), r.serverId(), r.time(), recipients.get(0),
                recipients.size() == 1 ? null : recipients.subList(1, recipients.size()), r.messageServerId(),
                (byte) r.state().getNumber(), r.groupId());
    }

    /** Stores a payload once for many inboxes (group messages); its envelope type travels in each inbox row. */
    Mono<Void> putSharedPayload(long payloadId, byte[] ciphertext) {
        return cql.write(insertShared.bind(payloadId, ByteBuffer.wrap(ciphertext)));
    }

    /** Appends a message whose ciphertext lives in {@code shared_payloads} under {@code payloadId}. */
    Mono<Void> appendReference(DeviceAddress to, InboxItem.Message header, long payloadId) {
        return cql.write(insertMessage.bind(to.accountId(), to.deviceId(), header.serverId(),
                header.sender(), header.senderDevice(), header.clientMessageId(), header.serverTime(),
                (byte) header.envelopeType(), null, payloadId, header.groupId(), header.syncRecipient()));
    }

    @Override
    public Mono<List<InboxItem>> readAfter(DeviceAddress device, long after, int limit) {
        return cql.firstPage(selectAfter.bind(device.accountId(), device.deviceId(), after, limit), row -> row)
                .flatMap(this::toItems);
    }

    /** The entries of the device's inbox among {@code serverIds}; ids not there are simply absent. */
    Mono<List<InboxItem>> find(DeviceAddress device, Collection<Long> serverIds) {
        return cql.firstPage(selectSome.bind(device.accountId(), device.deviceId(), List.copyOf(serverIds)),
                row -> row).flatMap(this::toItems);
    }

    /** Deletes acked entries of one device in one round trip. */
    Mono<Void> delete(DeviceAddress device, Collection<Long> serverIds) {
        return cql.write(deleteSome.bind(device.accountId(), device.deviceId(), List.copyOf(serverIds)));
    }

    /**
     * Drops a removed device's whole inbox (one partition tombstone): what it held was encrypted for that install
     * and no later device can decrypt it.
     */
    Mono<Void> deleteAll(DeviceAddress device) {
        return cql.write(deleteInbox.bind(device.accountId(), device.deviceId()))
                .and(cql.write(deleteCursor.bind(device.accountId(), device.deviceId())));
    }

    @Override
    public Mono<Long> cursor(DeviceAddress device) {
        return cql.one(selectCursor.bind(device.accountId(), device.deviceId()),
                row -> row.isNull(0) ? 0L : row.getLong(0)).defaultIfEmpty(0L);
    }

    @Override
    public Mono<Void> advanceCursor(DeviceAddress device, long ackedThrough) {
        return cql.write(updateCursor.bind(ackedThrough, device.accountId(), device.deviceId()));
    }

    /** Rows to items in order; shared payloads are fetched in parallel. */
    private Mono<List<InboxItem>> toItems(List<Row> rows) {
        return Flux.fromIterable(rows).flatMapSequential(this::toItem).collectList();
    }

    private Mono<InboxItem> toItem(Row row) {
        long serverId = row.getLong("server_id");
        byte kind = row.getByte("kind");
        if (kind == KIND_RECEIPT) {
            List<UUID> recipients = new ArrayList<>();
            recipients.add(row.getUuid("receipt_recipient_id"));
            recipients.addAll(row.getList("receipt_more_recipients", UUID.class));
            return Mono.just(new InboxItem.Receipt(serverId, row.getLong("message_server_id"),
                    recipients, ReceiptState.forNumber(row.getByte("receipt_state")),
                    row.getInstant("server_ts"), row.getUuid("group_id")));
        }
        if (kind == KIND_GROUP_EVENT) {
            return sharedPayload(row.getLong("payload_ref")).map(bytes -> new InboxItem.GroupChange(serverId, bytes));
        }
        Mono<byte[]> ciphertext = row.isNull("payload_ref")
                ? Mono.just(Blobs.bytes(row.getByteBuffer("ciphertext")))
                : sharedPayload(row.getLong("payload_ref"));
        return ciphertext.map(bytes -> new InboxItem.Message(serverId, row.getUuid("sender_account_id"),
                row.getInt("sender_device_id"), row.getLong("client_message_id"), row.getInstant("server_ts"),
                row.getByte("envelope_type"), bytes, row.getUuid("group_id"), row.getUuid("sync_recipient_id")));
    }

    /** An expired shared payload reads as empty bytes; the device acks the entry and moves on. */
    Mono<byte[]> sharedPayload(long payloadId) {
        return cql.one(selectShared.bind(payloadId), r -> Blobs.bytes(r.getByteBuffer(0))).defaultIfEmpty(new byte[0]);
    }
}
