package io.courier.store;

import java.util.List;

/**
 * One versioned schema step. Each capability contributes the migrations of its own tables; versions are global
 * and applied in order. Statements must be idempotent (IF NOT EXISTS): two nodes starting together may both run
 * a step before either records it.
 */
public record Migration(int version, String description, List<String> statements) {
    public Migration {
        if (version <= 0) {
            throw new IllegalArgumentException("migration versions start at 1");
        }
        statements = List.copyOf(statements);
    }
}
