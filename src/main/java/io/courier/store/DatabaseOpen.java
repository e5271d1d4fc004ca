package io.courier.store;

import java.util.List;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.InvalidKeyspaceException;

/**
 * Opens the node's serving session on a keyspace brought up to date. The usual start finds it up to date and checks
 * that on the serving session itself: one session's start instead of two, since a session's first connection is
 * most of the database phase of a warm start. A fresh keyspace or pending changes take the longer way: create the
 * keyspace, migrate on a session for schema changes, then serve.
 */
final class DatabaseOpen {
    /** The three kinds of session a start may open (see {@link CqlSessions}). */
    interface Sessions {
        /** Bound to the keyspace; throws {@link InvalidKeyspaceException} when it doesn't exist. */
        CqlSession serving();

        CqlSession bootstrap();

        CqlSession schemaChanges();
    }

    record Opened(CqlSession session, boolean migrated) {
    }

    private DatabaseOpen() {
    }

    static Opened open(SchemaMigrator migrator, List<Migration> migrations, Sessions sessions) {
        CqlSession serving = servingIfKeyspaceExists(sessions);
        try {
            if (serving != null && migrator.isUpToDate(serving, migrations)) {
                return new Opened(serving, false);
            }
            try (CqlSession bootstrap = sessions.bootstrap()) {
                migrator.createKeyspace(bootstrap);
            }
            try (CqlSession ddl = sessions.schemaChanges()) {
                migrator.migrate(ddl, migrations);
            }
            // A session opened before the changes learns them from the database's schema events.
            return new Opened(serving != null ? serving : sessions.serving(), true);
        } catch (RuntimeException e) {
            if (serving != null) {
                serving.close();
            }
            throw e;
        }
    }

    private static CqlSession servingIfKeyspaceExists(Sessions sessions) {
        try {
            return sessions.serving();
        } catch (InvalidKeyspaceException freshDatabase) {
            return null;
        }
    }
}
