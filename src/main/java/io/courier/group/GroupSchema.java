package io.courier.group;

import java.util.List;

import io.courier.store.Migration;

/** Tables of the group capability: the groups themselves and the durable fan-out jobs. */
final class GroupSchema {
    static final Migration V8 = new Migration(8, "groups and fan-out jobs", List.of(
            // One row per group: the whole membership is one blob (≤ 1024 × 25 bytes), so every change is a single
            // compare-and-set on version (an LWT), never a read-then-write across rows. Each change's event id is
            // written with the change (recent_events), so an event recorded before its compare-and-set is
            // delivered only if the change happened.
            """
            CREATE TABLE IF NOT EXISTS chat_groups (
              group_id uuid PRIMARY KEY,
              version bigint,
              members blob,
              encrypted_attributes blob,
              recent_events frozen<list<bigint>>)
            """,
            // Jobs not yet finished, one partition per Hazelcast partition of the group id: the node that owns a
            // partition reads exactly its partition's jobs when it takes over. Rows go when the job is done.
            """
            CREATE TABLE IF NOT EXISTS group_fanout_jobs (
              partition int,
              job_id bigint,
              group_id uuid,
              kind tinyint,
              sender_account_id uuid,
              sender_device_id int,
              client_message_id bigint,
              server_ts timestamp,
              recipients blob,
              event blob,
              PRIMARY KEY ((partition), job_id))
              WITH default_time_to_live = 2592000
            """));

    private GroupSchema() {
    }
}
