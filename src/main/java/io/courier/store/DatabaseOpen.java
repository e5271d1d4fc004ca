package io.courier.store;

import java.util.List;
import java.util.function.Supplier;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.InvalidKeyspaceException;

/**
 * Opens the node's serving session on a keyspace brought up to date. The usual start finds it up to date and checks
 * that on the serving session itself: one session's start instead of two, since a session's first connection is
 * most of the database phase of a warm start. Pending changes are applied on a session for schema changes; a fresh
 * keyspace takes the longest way: create it, migrate, then open the serving session.
 */
final class DatabaseOpen {
    /**
     * The three kinds of session a start may open (see {@link CqlSessions}).
     *
     * @param serving bound to the keyspace; throws {@link InvalidKeyspaceException} when it doesn't exist
     */
    record Sessions(Supplier<CqlSession> serving, Supplier<CqlSession> bootstrap,
            Supplier<CqlSession> schemaChanges) {
    }

    record Opened(CqlSession session, boolean migrated) {
    }

    private DatabaseOpen() {
    }

    /** {@code migrated}: whether this start applied a change (another node may have applied them first). */
    static Opened open(SchemaMigrator migrator, List<Migration> migrations, Sessions sessions) {
        CqlSession serving = servingIfKeyspaceExists(sessions);
        try {
            if (serving != null && migrator.isUpToDate(serving, migrations)) {
                return new Opened(serving, false);
            }
            if (serving == null) {
                try (CqlSession bootstrap = sessions.bootstrap().get()) {
                    migrator.createKeyspace(bootstrap);
                }
            }
            int applied;
            try (CqlSession ddl = sessions.schemaChanges().get()) {
                applied = migrator.migrate(ddl, migrations);
            }
            // The changes are known to every database node once migrate returns (it waits for schema agreement):
            // statements the serving session prepares from here on may use them.
            return new Opened(serving != null ? serving : sessions.serving().get(), applied > 0);
        } catch (RuntimeException | Error e) {
            if (serving != null) {
                try {
                    serving.close();
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    private static CqlSession servingIfKeyspaceExists(Sessions sessions) {
        try {
            return sessions.serving().get();
        } catch (InvalidKeyspaceException freshDatabase) {
            return null;
        }
    }
}
