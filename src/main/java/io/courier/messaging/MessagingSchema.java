package io.courier.messaging;

import java.util.List;

import io.courier.store.BaselineTables;

/**
 * Tables of 1:1 messaging: device queues' log and marks, idempotency records, receipts, shared payloads. In the
 * baseline (nothing has shipped); later changes are migrations.
 */
final class MessagingSchema {
    /**
     * Delivery storage v2: per-device sequenced queues (the head in the grid) over an append-only log. Log rows are
     * never deleted one by one: the mark in {@code device_queues} says where a drain starts, the TTL retires rows,
     * and time-window compaction drops whole expired SSTables. Partitions hold {@link DeviceLog#BUCKET_SIZE}
     * sequences. gc_grace covers the hint window only: nothing there is deleted, so no tombstone needs to outlive it.
     */
    static final BaselineTables TABLES = new BaselineTables("messaging", List.of(
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
            // Tick state of every message per recipient, kept for the sender's status queries. One partition per
            // message (every read names it), so none grows past a group's members. DELIVERED and READ have a
            // column each, so neither can overwrite the other; group receipts name their group.
            """
            CREATE TABLE IF NOT EXISTS receipts (
              sender_account_id uuid,
              server_id bigint,
              recipient_account_id uuid,
              state tinyint,
              updated_at timestamp,
              delivered_at timestamp,
              read_at timestamp,
              group_id uuid,
              PRIMARY KEY ((sender_account_id, server_id), recipient_account_id))
              WITH default_time_to_live = 2592000
            """,
            // Payloads stored once and referenced from many queues (group messages).
            """
            CREATE TABLE IF NOT EXISTS shared_payloads (
              payload_id bigint PRIMARY KEY,
              ciphertext blob)
              WITH default_time_to_live = 2592000
            """,
            // The tick ledger's 1:1 side, partitioned by sender and ten minutes of server-id time, so the grid's
            // flush of a sender's recent messages is one write (a group message's ticks stay in receipts, one
            // partition per message). Every state has a column of its own: writes in any order leave the furthest.
            """
            CREATE TABLE IF NOT EXISTS direct_receipts (
              sender_account_id uuid,
              bucket bigint,
              server_id bigint,
              recipient_account_id uuid,
              sent_at timestamp,
              delivered_at timestamp,
              read_at timestamp,
              PRIMARY KEY ((sender_account_id, bucket), server_id, recipient_account_id))
              WITH default_time_to_live = 2592000
            """));

    private MessagingSchema() {
    }
}
