package io.courier.messaging;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.DeviceAddress;
import io.courier.store.Blobs;

/**
 * Per-device inboxes. Rows live in server-id order in one partition per device; acked rows are deleted. A drain
 * reads only rows above the device's cursor ({@code inbox_cursor}), so the deleted history below it is seeked past,
 * never scanned: LSM stores would otherwise wade through every tombstone of the device's past on every reconnect.
 */
public final class InboxStore {
    private static final byte KIND_MESSAGE = 1;
    private static final byte KIND_RECEIPT = 2;
    private static final String COLUMNS = "server_id, kind, sender_account_id, sender_device_id, client_message_id,"
            + " server_ts, envelope_type, ciphertext, payload_ref, group_id, sync_recipient_id, message_server_id,"
            + " receipt_state, receipt_recipient_id";

    private final CqlSession session;
    private final PreparedStatement insertMessage;
    private final PreparedStatement insertReceipt;
    private final PreparedStatement insertShared;
    private final PreparedStatement selectShared;
    private final PreparedStatement selectAfter;
    private final PreparedStatement selectOne;
    private final PreparedStatement delete;
    private final PreparedStatement deleteInbox;
    private final PreparedStatement deleteCursor;
    private final PreparedStatement selectCursor;
    private final PreparedStatement updateCursor;

    InboxStore(CqlSession session) {
        this.session = session;
        insertMessage = session.prepare("INSERT INTO inbox (account_id, device_id, server_id, kind, sender_account_id,"
                + " sender_device_id, client_message_id, server_ts, envelope_type, ciphertext, payload_ref, group_id,"
                + " sync_recipient_id) VALUES (?, ?, ?, " + KIND_MESSAGE + ", ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        insertReceipt = session.prepare("INSERT INTO inbox (account_id, device_id, server_id, kind, server_ts,"
                + " receipt_recipient_id, message_server_id, receipt_state) VALUES (?, ?, ?, " + KIND_RECEIPT
                + ", ?, ?, ?, ?)");
        insertShared = session.prepare("INSERT INTO shared_payloads (payload_id, ciphertext) VALUES (?, ?)");
        selectShared = session.prepare("SELECT ciphertext FROM shared_payloads WHERE payload_id = ?");
        selectAfter = session.prepare("SELECT " + COLUMNS + " FROM inbox WHERE account_id = ? AND device_id = ?"
                + " AND server_id > ? LIMIT ?");
        selectOne = session.prepare("SELECT " + COLUMNS + " FROM inbox WHERE account_id = ? AND device_id = ?"
                + " AND server_id = ?");
        delete = session.prepare("DELETE FROM inbox WHERE account_id = ? AND device_id = ? AND server_id = ?");
        deleteInbox = session.prepare("DELETE FROM inbox WHERE account_id = ? AND device_id = ?");
        deleteCursor = session.prepare("DELETE FROM inbox_cursor WHERE account_id = ? AND device_id = ?");
        selectCursor = session.prepare("SELECT acked_through FROM inbox_cursor WHERE account_id = ? AND device_id = ?");
        updateCursor = session.prepare("UPDATE inbox_cursor SET acked_through = ? WHERE account_id = ?"
                + " AND device_id = ?");
    }

    CompletionStage<AsyncResultSet> append(DeviceAddress to, InboxItem item) {
        if (item instanceof InboxItem.Message m) {
            return session.executeAsync(insertMessage.bind(to.accountId(), to.deviceId(), m.serverId(), m.sender(),
                    m.senderDevice(), m.clientMessageId(), m.serverTime(), (byte) m.envelopeType(),
                    ByteBuffer.wrap(m.ciphertext()), null, m.groupId(), m.syncRecipient()));
        }
        InboxItem.Receipt r = (InboxItem.Receipt) item;
        return session.executeAsync(insertReceipt.bind(to.accountId(), to.deviceId(), r.serverId(), r.time(),
                r.recipient(), r.messageServerId(), (byte) r.state().getNumber()));
    }

    /** Stores a payload once for many inboxes (group messages); its envelope type travels in each inbox row. */
    void putSharedPayload(long payloadId, byte[] ciphertext) {
        session.execute(insertShared.bind(payloadId, ByteBuffer.wrap(ciphertext)));
    }

    /** Appends a message whose ciphertext lives in {@code shared_payloads} under {@code payloadId}. */
    CompletionStage<AsyncResultSet> appendReference(DeviceAddress to, InboxItem.Message header, long payloadId) {
        return session.executeAsync(insertMessage.bind(to.accountId(), to.deviceId(), header.serverId(),
                header.sender(), header.senderDevice(), header.clientMessageId(), header.serverTime(),
                (byte) header.envelopeType(), null, payloadId, header.groupId(), header.syncRecipient()));
    }

    /** Up to {@code limit} entries with ids above {@code after}, in server-id order. */
    public List<InboxItem> readAfter(DeviceAddress device, long after, int limit) {
        List<InboxItem> items = new ArrayList<>();
        for (Row row : session.execute(selectAfter.bind(device.accountId(), device.deviceId(), after, limit))) {
            items.add(toItem(row));
        }
        return items;
    }

    public Optional<InboxItem> find(DeviceAddress device, long serverId) {
        Row row = session.execute(selectOne.bind(device.accountId(), device.deviceId(), serverId)).one();
        return Optional.ofNullable(row).map(this::toItem);
    }

    void delete(DeviceAddress device, long serverId) {
        session.execute(delete.bind(device.accountId(), device.deviceId(), serverId));
    }

    /**
     * Drops a removed device's whole inbox (one partition tombstone): what it held was encrypted for that install
     * and no later device can decrypt it.
     */
    void deleteAll(DeviceAddress device) {
        session.execute(deleteInbox.bind(device.accountId(), device.deviceId()));
        session.execute(deleteCursor.bind(device.accountId(), device.deviceId()));
    }

    /** The id at or below which everything in the device's inbox has been acked (0 for a new device). */
    public long cursor(DeviceAddress device) {
        Row row = session.execute(selectCursor.bind(device.accountId(), device.deviceId())).one();
        return row == null || row.isNull(0) ? 0 : row.getLong(0);
    }

    public void advanceCursor(DeviceAddress device, long ackedThrough) {
        session.execute(updateCursor.bind(ackedThrough, device.accountId(), device.deviceId()));
    }

    private InboxItem toItem(Row row) {
        long serverId = row.getLong("server_id");
        if (row.getByte("kind") == KIND_RECEIPT) {
            return new InboxItem.Receipt(serverId, row.getLong("message_server_id"), row.getUuid("receipt_recipient_id"),
                    ReceiptState.forNumber(row.getByte("receipt_state")), row.getInstant("server_ts"));
        }
        int type = row.getByte("envelope_type");
        byte[] ciphertext;
        if (row.isNull("payload_ref")) {
            ciphertext = Blobs.bytes(row.getByteBuffer("ciphertext"));
        } else {
            Row shared = session.execute(selectShared.bind(row.getLong("payload_ref"))).one();
            // An expired shared payload leaves an empty envelope; the device acks it and moves on.
            ciphertext = shared == null ? new byte[0] : Blobs.bytes(shared.getByteBuffer("ciphertext"));
        }
        return new InboxItem.Message(serverId, row.getUuid("sender_account_id"), row.getInt("sender_device_id"),
                row.getLong("client_message_id"), row.getInstant("server_ts"), type, ciphertext,
                row.getUuid("group_id"), row.getUuid("sync_recipient_id"));
    }
}
