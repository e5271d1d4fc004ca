package io.courier.store;

import java.util.List;

/**
 * A capability's part of the baseline schema: CREATE TABLE IF NOT EXISTS statements for tables of its own, which
 * need no other statement to run first. Changes after the baseline are {@link Migration}s of the same capability.
 */
public record BaselineTables(String capability, List<String> statements) {
    public BaselineTables {
        statements = List.copyOf(statements);
    }
}
