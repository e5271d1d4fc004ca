package io.courier.store;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One versioned schema step. A fresh keyspace gets the {@link #baseline} first: every capability's tables, created in
 * one pass. Later changes are migrations of the capability that owns the tables, numbered above
 * {@link #BASELINE_VERSION} and applied in order, one statement after another. Statements must be idempotent
 * (IF NOT EXISTS): two nodes starting together may both run a step before either records it.
 *
 * @param independent whether no statement needs another to have run first (tables of their own), so they may be
 *     issued together
 */
public record Migration(int version, String description, List<String> statements, boolean independent) {
    /**
     * The baseline's version. Nothing had shipped when the schema history was folded into it: a keyspace that
     * records a lower version was made by a pre-release build.
     */
    public static final int BASELINE_VERSION = 1000;

    public Migration {
        if (version <= 0) {
            throw new IllegalArgumentException("migration versions start at 1");
        }
        statements = List.copyOf(statements);
    }

    /** A change after the baseline: its statements run in order. */
    public Migration(int version, String description, List<String> statements) {
        this(version, description, statements, false);
    }

    /** Every capability's tables as one step, created in one pass. */
    public static Migration baseline(List<BaselineTables> tables) {
        List<BaselineTables> ordered = tables.stream()
                .sorted(Comparator.comparing(BaselineTables::capability)).toList();
        return new Migration(BASELINE_VERSION,
                "baseline: " + ordered.stream().map(BaselineTables::capability).collect(Collectors.joining(", ")),
                ordered.stream().flatMap(t -> t.statements().stream()).toList(), true);
    }
}
