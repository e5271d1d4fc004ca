package io.courier.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import io.courier.common.ConfigRefusal;
import io.courier.common.Futures;

/** Creates the keyspace and applies the migrations not yet recorded in {@code schema_migrations}. */
public final class SchemaMigrator {
    private static final Logger LOG = Logger.getLogger(SchemaMigrator.class);
    /** Far longer than one migration takes; renewed after each, so a slow start never outlives its lock. */
    private static final int LOCK_TTL_SECONDS = 300;
    private static final int AGREEMENT_TIMEOUT_SECONDS = 60;

    private final String keyspace;
    private final String replication;

    public SchemaMigrator(String keyspace, String replication) {
        if (!keyspace.matches("[a-z][a-z0-9_]{0,47}")) {
            throw new ConfigRefusal("courier.cql.keyspace '" + keyspace
                    + "' must be lower-case letters, digits and underscores, starting with a letter");
        }
        this.keyspace = keyspace;
        this.replication = replication;
    }

    /** Creates the keyspace (a session without one runs it) and waits until every database node knows it. */
    public void createKeyspace(CqlSession bootstrap) {
        bootstrap.execute("CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replication);
        awaitSchemaAgreement(bootstrap);
    }

    /**
     * Migrations run on sessions without schema metadata (see CqlSessions), where the driver doesn't wait for every
     * node to know a change: the next statement, or the serving session's prepares, could reach one that doesn't.
     */
    private static void awaitSchemaAgreement(CqlSession session) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AGREEMENT_TIMEOUT_SECONDS);
        while (!session.checkSchemaAgreement()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the database nodes did not agree on the schema within "
                        + AGREEMENT_TIMEOUT_SECONDS + " s after a migration; check that every node is up");
            }
            try {
                // Other nodes apply the change on their own: there is nothing to wait on but time.
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for schema agreement", e);
            }
        }
    }

    /**
     * Whether every migration is already recorded (on any session, bound to the keyspace or not): the usual start,
     * which then needs no session of its own for schema changes. False if the history table isn't there yet;
     * refuses a pre-release keyspace as {@link #migrate} does.
     */
    public boolean isUpToDate(CqlSession session, List<Migration> migrations) {
        try {
            return pending(session, migrations).isEmpty();
        } catch (InvalidQueryException noHistoryYet) {
            return false;
        }
    }

    /**
     * Applies pending migrations in version order on a session bound to the keyspace. Returns how many ran. Nodes that
     * start together take turns (a lock row written with a compare-and-set): two nodes applying the same migration
     * at once would fail on "column already exists".
     */
    public int migrate(CqlSession session, List<Migration> migrations) {
        checkVersions(migrations);
        session.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                + "version int PRIMARY KEY, description text, applied_at timestamp)");
        if (pending(session, migrations).isEmpty()) {
            return 0; // the usual start: no lock round trips, no wait behind a node that is migrating
        }
        session.execute("CREATE TABLE IF NOT EXISTS schema_migration_lock (id int PRIMARY KEY, owner uuid)");
        UUID owner = UUID.randomUUID();
        lock(session, owner);
        try {
            return applyPending(session, migrations, () -> renew(session, owner));
        } finally {
            session.execute(SimpleStatement.newInstance(
                    "DELETE FROM schema_migration_lock WHERE id = 0 IF owner = ?", owner));
        }
    }

    /** The lock expires after LOCK_TTL_SECONDS, so a node killed while migrating blocks the others only that long. */
    private static void lock(CqlSession session, UUID owner) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2L * LOCK_TTL_SECONDS);
        boolean told = false;
        while (!session.execute(SimpleStatement.newInstance("INSERT INTO schema_migration_lock (id, owner) VALUES"
                + " (0, ?) IF NOT EXISTS USING TTL " + LOCK_TTL_SECONDS, owner)).wasApplied()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("another node has held the schema migration lock for more than "
                        + 2 * LOCK_TTL_SECONDS + " s");
            }
            if (!told) {
                LOG.info("Another node is applying schema migrations; waiting for it");
                told = true;
            }
            try {
                // The holder is another process: there is nothing to wait on but time.
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the schema migration lock", e);
            }
        }
    }

    /** Extends the lock by another TTL; fails if it expired and another node took it meanwhile. */
    private static void renew(CqlSession session, UUID owner) {
        if (!session.execute(SimpleStatement.newInstance("UPDATE schema_migration_lock USING TTL "
                + LOCK_TTL_SECONDS + " SET owner = ? WHERE id = 0 IF owner = ?", owner, owner)).wasApplied()) {
            throw new IllegalStateException("the schema migration lock expired after " + LOCK_TTL_SECONDS
                    + " s and another node may be migrating now; restart this node once it is done");
        }
    }

    /** The migrations not yet recorded, in version order. */
    private List<Migration> pending(CqlSession session, List<Migration> migrations) {
        Set<Integer> applied = new HashSet<>();
        // Named with its keyspace: the start asks on a session that is bound to none.
        for (Row row : session.execute("SELECT version FROM " + keyspace + ".schema_migrations")) {
            applied.add(row.getInt("version"));
        }
        List<Integer> folded = applied.stream().filter(v -> v < Migration.BASELINE_VERSION).sorted().toList();
        if (!folded.isEmpty()) {
            throw new ConfigRefusal("keyspace " + keyspace + " was made by a pre-release build (it records schema"
                    + " versions " + folded + ", since folded into the baseline " + Migration.BASELINE_VERSION
                    + ") and can't be upgraded: use a new keyspace (courier.cql.keyspace), or on the embedded"
                    + " default delete the data folder (courier.local.data-dir)");
        }
        return migrations.stream().filter(m -> !applied.contains(m.version()))
                .sorted(Comparator.comparingInt(Migration::version)).toList();
    }

    /** Under the lock: read again, since another node may have applied some while this one waited. */
    private int applyPending(CqlSession session, List<Migration> migrations, Runnable renewLock) {
        long started = System.nanoTime();
        List<Migration> pending = pending(session, migrations);
        int ran = 0;
        for (Migration migration : pending) {
            LOG.debugf("Applying schema migration %d: %s", migration.version(), migration.description());
            if (migration.independent()) {
                applyTogether(session, migration.statements());
            } else {
                for (String statement : migration.statements()) {
                    session.execute(SimpleStatement.newInstance(statement));
                    awaitSchemaAgreement(session);
                }
            }
            session.execute(SimpleStatement.newInstance(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                    migration.version(), migration.description(), Instant.now()));
            renewLock.run();
            ran++;
        }
        if (ran > 0) {
            LOG.infof("Schema of keyspace %s up to date: applied %d migration(s) (%s) in %.1f s", keyspace, ran,
                    pending.stream().map(m -> Integer.toString(m.version())).collect(Collectors.joining(", ")),
                    (System.nanoTime() - started) / 1e9);
        }
        return ran;
    }

    /**
     * Issues all statements at once through one coordinator, which applies schema changes one at a time (different
     * coordinators could each start from a schema without the other's change), then waits for agreement once.
     */
    private static void applyTogether(CqlSession session, List<String> statements) {
        Node coordinator = session.getMetadata().getNodes().values().stream()
                .filter(node -> node.getState() == NodeState.UP).findFirst()
                .orElseThrow(() -> new IllegalStateException("no database node is up to apply the schema"));
        // The coordinator works through them one by one: the last one's time includes all the others' (a DDL can
        // take seconds on a real cluster), so the timeout grows with their number.
        Duration timeout = Duration.ofSeconds(AGREEMENT_TIMEOUT_SECONDS).plusSeconds(10L * statements.size());
        List<CompletableFuture<AsyncResultSet>> applied = statements.stream()
                .map(statement -> session.executeAsync(SimpleStatement.newInstance(statement).setNode(coordinator)
                        .setTimeout(timeout)).toCompletableFuture())
                .toList();
        Futures.join(CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new)));
        awaitSchemaAgreement(session);
    }

    private static void checkVersions(List<Migration> migrations) {
        Set<Integer> seen = new HashSet<>();
        for (Migration m : migrations) {
            if (!seen.add(m.version())) {
                throw new IllegalStateException("two schema migrations share version " + m.version());
            }
            if (m.version() < Migration.BASELINE_VERSION) {
                throw new IllegalStateException("schema migration " + m.version() + " is numbered below the baseline ("
                        + Migration.BASELINE_VERSION + "); changes after it take the next free version above");
            }
        }
    }
}
