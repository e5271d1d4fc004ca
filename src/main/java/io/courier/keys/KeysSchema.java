package io.courier.keys;

import java.util.List;

import io.courier.store.BaselineTables;

/** Tables of the key directory, in the baseline (nothing has shipped); later changes are migrations. */
final class KeysSchema {
    static final BaselineTables TABLES = new BaselineTables("keys", List.of(
            // One partition per account so "all devices of a user" is one read. Keys carry the generation of the
            // install that uploaded them: writes are conditional on it, and one-time keys of another generation (an
            // in-flight upload of a replaced install) are never handed out.
            """
            CREATE TABLE IF NOT EXISTS device_keys (
              account_id uuid,
              device_id int,
              identity_key blob,
              registration_id int,
              signed_pre_key_id int,
              signed_pre_key blob,
              signed_pre_key_signature blob,
              kyber_last_resort_id int,
              kyber_last_resort_key blob,
              kyber_last_resort_signature blob,
              generation bigint,
              PRIMARY KEY (account_id, device_id))
            """,
            // One partition per (device, kind). An upload replaces the partition with one partition tombstone, so
            // reads skip at most the row tombstones of keys claimed since the last upload (fewer than 100).
            """
            CREATE TABLE IF NOT EXISTS one_time_keys (
              account_id uuid,
              device_id int,
              kind int,
              key_id int,
              public_key blob,
              signature blob,
              generation bigint static,
              PRIMARY KEY ((account_id, device_id, kind), key_id))
            """));

    private KeysSchema() {
    }
}
