package io.courier.group;

import java.util.List;

import io.courier.store.BaselineTables;

/** Tables of the group capability: the groups themselves and the durable fan-out jobs. */
final class GroupSchema {
    static final BaselineTables TABLES = new BaselineTables("group", List.of(
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
            // Jobs not yet finished. A job's partition is its group's Hazelcast partition (the member that owns it
            // runs the group's jobs, and after a member leaves the new owner reads exactly what it took over)
            // and a ten-minute window of its id's time: a finished job's row is deleted, and no read ever scans
            // more than one window's tombstones. gc_grace covers the hint window only, so they go soon (a job a
            // lagging replica brings back runs again harmlessly: its writes are idempotent).
            """
            CREATE TABLE IF NOT EXISTS group_fanout_jobs (
              partition int,
              bucket bigint,
              job_id bigint,
              group_id uuid,
              kind tinyint,
              sender_account_id uuid,
              sender_device_id int,
              client_message_id bigint,
              server_ts timestamp,
              recipients blob,
              event blob,
              PRIMARY KEY ((partition, bucket), job_id))
              WITH default_time_to_live = 2592000
              AND gc_grace_seconds = 10800
            """,
            // The windows of a Hazelcast partition that may still hold jobs: written with every job, removed by
            // the resume sweep once a window is over and empty. Sweeps read these, never the job history.
            """
            CREATE TABLE IF NOT EXISTS group_fanout_buckets (
              partition int,
              bucket bigint,
              PRIMARY KEY ((partition), bucket))
              WITH default_time_to_live = 2592000
              AND gc_grace_seconds = 10800
            """,
            // The hash of the group's one current invite link (the token itself is never stored): a new link or a
            // revocation makes every earlier token worthless at once.
            """
            CREATE TABLE IF NOT EXISTS group_invite_links (
              group_id uuid PRIMARY KEY,
              token_hash blob)
            """,
            // The groups an account may be in, for account deletion: written for the accounts a change adds before
            // the group's compare-and-set and only cleared when the account goes (or by a create that gave up
            // before writing its group). So it may name a group the account is not in (one it left, or a change
            // that lost its compare-and-set), never miss one it is in.
            """
            CREATE TABLE IF NOT EXISTS account_groups (
              account_id uuid,
              group_id uuid,
              PRIMARY KEY (account_id, group_id))
            """,
            // The groups an account created that may still exist (CreatedGroups), each with the time it was
            // reserved: one row per account, changed only by compare-and-set, at most
            // courier.groups.max-created-per-account ids; removed with the account.
            """
            CREATE TABLE IF NOT EXISTS groups_created (
              account_id uuid PRIMARY KEY,
              groups frozen<map<uuid, timestamp>>)
            """));

    private GroupSchema() {
    }
}
