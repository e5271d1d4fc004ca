package io.courier.push;

import java.util.List;

import io.courier.store.BaselineTables;

/** Tables of the push capability, in the baseline; later changes are migrations. */
final class PushSchema {
    static final BaselineTables TABLES = new BaselineTables("push", List.of(
            // One token per device; the account's devices share a partition so a removal deletes them together.
            """
            CREATE TABLE IF NOT EXISTS push_tokens (
              account_id uuid,
              device_id int,
              platform int,
              push_token text,
              updated_at timestamp,
              PRIMARY KEY (account_id, device_id))
            """));

    private PushSchema() {
    }
}
