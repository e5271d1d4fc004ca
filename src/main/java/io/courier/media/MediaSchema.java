package io.courier.media;

import java.util.List;

import io.courier.store.BaselineTables;

/** Tables of the media capability, in the baseline; later changes are migrations. */
final class MediaSchema {
    static final BaselineTables TABLES = new BaselineTables("media", List.of(
            // Who opened each upload (only that device may complete or abort it) and what it declared. Rows live
            // as long as the media (USING TTL on insert).
            """
            CREATE TABLE IF NOT EXISTS media_uploads (
              object_key text PRIMARY KEY,
              account_id uuid,
              device_id int,
              kind int,
              size_bytes bigint,
              part_size bigint,
              part_count int,
              upload_id text,
              state int,
              created_at timestamp)
            """,
            // Declared bytes per account and UTC day, moved only by compare-and-set (LWT).
            """
            CREATE TABLE IF NOT EXISTS media_upload_quota (
              account_id uuid,
              day date,
              used_bytes bigint,
              PRIMARY KEY ((account_id, day)))
            """,
            // What the sweeper must do when: one partition per (due day, shard), so a day is read in a few slices
            // and dropped with one partition delete once it is done. Only written where the store has no
            // lifecycle rules.
            """
            CREATE TABLE IF NOT EXISTS media_expiry (
              day date,
              shard int,
              due_at timestamp,
              object_key text,
              action int,
              upload_id text,
              PRIMARY KEY ((day, shard), due_at, object_key, action))
            """));

    private MediaSchema() {
    }
}
