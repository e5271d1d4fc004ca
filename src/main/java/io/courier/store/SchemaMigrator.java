package io.courier.store;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jboss.logging.Logger;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;

/** Creates the keyspace and applies the migrations not yet recorded in {@code schema_migrations}. */
public final class SchemaMigrator {
    private static final Logger LOG = Logger.getLogger(SchemaMigrator.class);

    private final String keyspace;
    private final String replication;

    public SchemaMigrator(String keyspace, String replication) {
        if (!keyspace.matches("[a-z][a-z0-9_]{0,47}")) {
            throw new IllegalArgumentException("courier.cql.keyspace '" + keyspace
                    + "' must be lower-case letters, digits and underscores, starting with a letter");
        }
        this.keyspace = keyspace;
        this.replication = replication;
    }

    /** Creates the keyspace; run on a session without a keyspace before opening the real one. */
    public void createKeyspace(CqlSession bootstrap) {
        bootstrap.execute("CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replication);
    }

    /** Applies pending migrations in version order on a session bound to the keyspace. Returns how many ran. */
    public int migrate(CqlSession session, List<Migration> migrations) {
        checkUniqueVersions(migrations);
        session.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                + "version int PRIMARY KEY, description text, applied_at timestamp)");
        Set<Integer> applied = new HashSet<>();
        for (Row row : session.execute("SELECT version FROM schema_migrations")) {
            applied.add(row.getInt("version"));
        }
        int ran = 0;
        for (Migration migration : migrations.stream().sorted(Comparator.comparingInt(Migration::version)).toList()) {
            if (applied.contains(migration.version())) {
                continue;
            }
            LOG.infof("Applying schema migration %d: %s", migration.version(), migration.description());
            for (String statement : migration.statements()) {
                session.execute(SimpleStatement.newInstance(statement));
            }
            session.execute(SimpleStatement.newInstance(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                    migration.version(), migration.description(), Instant.now()));
            ran++;
        }
        return ran;
    }

    private static void checkUniqueVersions(List<Migration> migrations) {
        Set<Integer> seen = new HashSet<>();
        for (Migration m : migrations) {
            if (!seen.add(m.version())) {
                throw new IllegalStateException("two schema migrations share version " + m.version());
            }
        }
    }
}
