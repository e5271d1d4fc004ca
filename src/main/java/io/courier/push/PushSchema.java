package io.courier.push;

import java.util.List;

import io.courier.store.Migration;

/** Tables of the push capability. Version 130 (issue 13) stays clear of the capabilities built alongside. */
final class PushSchema {
    static final Migration V130 = new Migration(130, "push tokens", List.of(
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
