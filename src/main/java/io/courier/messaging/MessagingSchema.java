package io.courier.messaging;

import java.util.List;

import io.courier.store.Migration;

/** Tables of 1:1 messaging: inboxes, their read cursors, idempotency records, receipts, shared payloads. */
final class MessagingSchema {
    static final Migration V3 = new Migration(3, "inboxes, receipts, idempotency", List.of(
            // One partition per device, rows in server-id order. Acked rows are deleted; drains start after the
            // device's cursor (below), so reads seek past the deleted history instead of scanning its tombstones.
            // A row holds either its own ciphertext or a reference to a shared payload (group messages).
            """
            CREATE TABLE IF NOT EXISTS inbox (
              account_id uuid,
              device_id int,
              server_id bigint,
              kind tinyint,
              sender_account_id uuid,
              sender_device_id int,
              client_message_id bigint,
              server_ts timestamp,
              envelope_type tinyint,
              ciphertext blob,
              payload_ref bigint,
              group_id uuid,
              sync_recipient_id uuid,
              message_server_id bigint,
              receipt_state tinyint,
              receipt_recipient_id uuid,
              PRIMARY KEY ((account_id, device_id), server_id))
              WITH default_time_to_live = 2592000
            """,
            // Everything at or below acked_through in the device's inbox has been acked (see InboxCursor).
            """
            CREATE TABLE IF NOT EXISTS inbox_cursor (
              account_id uuid,
              device_id int,
              acked_through bigint,
              PRIMARY KEY ((account_id, device_id)))
            """,
            // (sending device, client message id) -> the server id it got: a retried send is answered, not re-stored.
            """
            CREATE TABLE IF NOT EXISTS sent_messages (
              account_id uuid,
              device_id int,
              client_message_id bigint,
              server_id bigint,
              server_ts timestamp,
              PRIMARY KEY ((account_id, device_id), client_message_id))
              WITH default_time_to_live = 2592000
            """,
            // Tick state of every message per recipient, kept for the sender's status queries.
            """
            CREATE TABLE IF NOT EXISTS receipts (
              sender_account_id uuid,
              server_id bigint,
              recipient_account_id uuid,
              state tinyint,
              updated_at timestamp,
              PRIMARY KEY ((sender_account_id), server_id, recipient_account_id))
              WITH default_time_to_live = 2592000
            """,
            // Payloads stored once and referenced from many inboxes (group messages).
            """
            CREATE TABLE IF NOT EXISTS shared_payloads (
              payload_id bigint PRIMARY KEY,
              ciphertext blob)
              WITH default_time_to_live = 2592000
            """));

    /**
     * DELIVERED and READ get a column each, so neither can overwrite the other (a late DELIVERED used to replace
     * READ in {@code state}).
     */
    static final Migration V4 = new Migration(4, "receipt columns per state", List.of(
            "ALTER TABLE receipts ADD (delivered_at timestamp, read_at timestamp)"));

    /** Send ids are reserved before the inbox writes; {@code complete} says the writes all landed. */
    static final Migration V5 = new Migration(5, "idempotency reservations", List.of(
            "ALTER TABLE sent_messages ADD complete boolean"));

    /** Receipts of group messages name their group, so receipt events to the sender can carry it. */
    static final Migration V9 = new Migration(9, "group receipts", List.of(
            "ALTER TABLE receipts ADD group_id uuid"));

    /** A receipt event in the sender's inbox may speak for several recipients of one group message. */
    static final Migration V10 = new Migration(10, "coalesced receipt events", List.of(
            "ALTER TABLE inbox ADD receipt_more_recipients frozen<list<uuid>>"));

    /**
     * Delivery storage v2: per-device sequenced queues (the head in the grid) over an append-only log. Rows are
     * never deleted one by one: the mark in {@code device_queues} says where a drain starts, the TTL retires rows,
     * and time-window compaction drops whole expired SSTables. Partitions hold {@link DeviceLog#BUCKET_SIZE}
     * sequences. gc_grace covers the hint window only: nothing here is deleted, so no tombstone needs to outlive it.
     */
    static final Migration V132 = new Migration(132, "delivery storage v2: device queues and log", List.of(
            """
            CREATE TABLE IF NOT EXISTS device_log (
              account_id uuid,
              device_id int,
              bucket bigint,
              seq bigint,
              server_id bigint,
              kind tinyint,
              sender_account_id uuid,
              sender_device_id int,
              client_message_id bigint,
              server_ts timestamp,
              envelope_type tinyint,
              ciphertext blob,
              payload_ref bigint,
              group_id uuid,
              sync_recipient_id uuid,
              message_server_id bigint,
              receipt_state tinyint,
              receipt_recipient_id uuid,
              receipt_more_recipients frozen<list<uuid>>,
              PRIMARY KEY ((account_id, device_id, bucket), seq))
              WITH default_time_to_live = 2592000
              AND gc_grace_seconds = 10800
              AND compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'DAYS',
                                'compaction_window_size': 1}
            """,
            // The queue's current epoch (taken with a compare-and-set when its grid entry is created) and the
            // sequence through which it is acked.
            """
            CREATE TABLE IF NOT EXISTS device_queues (
              account_id uuid,
              device_id int,
              epoch bigint,
              acked_through bigint,
              PRIMARY KEY ((account_id, device_id)))
            """,
            "ALTER TABLE sent_messages DROP complete",
            "DROP TABLE IF EXISTS inbox",
            "DROP TABLE IF EXISTS inbox_cursor"));

    private MessagingSchema() {
    }
}
