package io.courier.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;

import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import grpc.health.v1.HealthGrpc;
import io.courier.media.MediaConfig;
import io.grpc.Context;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.courier.support.ServerTest;
import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import io.quarkus.arc.All;
import io.courier.common.ConfigRefusal;
import io.quarkus.test.junit.QuarkusTest;

/** The node's view of its real infrastructure: schema, consistency, object store, health. */
@QuarkusTest
class InfrastructureTest extends ServerTest {
    private static final String SINGLE_NODE = StoreWiring.SINGLE_NODE_REPLICATION;

    @Inject
    CqlSession session;

    @Inject
    CqlConfig cqlConfig;

    @Inject
    @All
    List<BaselineTables> baseline;

    @Inject
    @All
    List<Migration> changes;

    @Inject
    MinioClient minio;

    @Inject
    MediaConfig mediaConfig;

    @Inject
    GrpcHealthStorage health;

    @Test
    void migrationsAreRecordedAndRunningThemAgainChangesNothing() {
        List<Migration> migrations = StoreWiring.schema(baseline, changes);
        var recorded = session.execute("SELECT version FROM schema_migrations").all().stream()
                .map(row -> row.getInt("version")).toList();
        assertThat(recorded).containsExactlyInAnyOrderElementsOf(migrations.stream().map(Migration::version).toList());

        int ran = new SchemaMigrator(cqlConfig.keyspace(), SINGLE_NODE).migrate(session, migrations);

        assertThat(ran).isZero();
    }

    @Test
    void aFreshKeyspaceGetsTheBaselineInOnePassAndALaterMigrationAppliesOnTop() {
        String keyspace = "fresh_" + Long.toHexString(System.nanoTime());
        SchemaMigrator migrator = new SchemaMigrator(keyspace, SINGLE_NODE);
        migrator.createKeyspace(session);
        try (CqlSession fresh = sessionOn(keyspace)) {
            int ran = migrator.migrate(fresh, StoreWiring.schema(baseline, List.of()));

            assertThat(ran).as("the whole history is one step").isEqualTo(1);
            assertThat(versions(fresh)).containsExactly(Migration.BASELINE_VERSION);
            assertThat(tables(keyspace)).as("every capability's tables")
                    .containsAll(baseline.stream().flatMap(t -> t.statements().stream())
                            .map(InfrastructureTest::createdTable).toList())
                    .contains("device_log", "devices", "chat_groups", "push_tokens", "media_uploads");

            Migration later = new Migration(Migration.BASELINE_VERSION + 1, "a column added after the baseline",
                    List.of("ALTER TABLE push_tokens ADD app_version text"));
            int ranLater = migrator.migrate(fresh, StoreWiring.schema(baseline, List.of(later)));

            assertThat(ranLater).as("only the later step runs").isEqualTo(1);
            assertThat(versions(fresh)).containsExactly(Migration.BASELINE_VERSION, Migration.BASELINE_VERSION + 1);
            assertThat(session.execute("SELECT column_name FROM system_schema.columns WHERE keyspace_name = ?"
                    + " AND table_name = 'push_tokens'", keyspace).all().stream()
                    .map(row -> row.getString("column_name"))).contains("app_version");
            assertThat(migrator.migrate(fresh, StoreWiring.schema(baseline, List.of(later)))).isZero();
        } finally {
            drop(keyspace);
        }
    }

    @Test
    void aChangeNumberedBelowTheBaselineIsRefusedBeforeAnythingRuns() {
        Migration misnumbered = new Migration(134, "numbered as before the baseline",
                List.of("ALTER TABLE push_tokens ADD never text"));

        assertThatThrownBy(() -> new SchemaMigrator(cqlConfig.keyspace(), SINGLE_NODE)
                .migrate(session, StoreWiring.schema(baseline, List.of(misnumbered))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("schema migration 134 is numbered below the baseline (1000)");
        assertThat(versions(session)).doesNotContain(134);
    }

    @Test
    void anUpToDateKeyspaceOpensOnlyTheServingSessionAndALaterChangeIsUsableOnTheSessionOpenedBeforeIt() {
        String keyspace = "reopen_" + Long.toHexString(System.nanoTime());
        SchemaMigrator migrator = new SchemaMigrator(keyspace, SINGLE_NODE);
        List<String> opened = new ArrayList<>();
        List<CqlSession> toClose = new ArrayList<>();
        BiFunction<String, Supplier<CqlSession>, Supplier<CqlSession>> recorded = (kind, open) -> () -> {
            opened.add(kind);
            CqlSession session = open.get();
            toClose.add(session);
            return session;
        };
        DatabaseOpen.Sessions sessions = new DatabaseOpen.Sessions(
                recorded.apply("serving", () -> sessionOn(keyspace)),
                recorded.apply("bootstrap", () -> sessionBuilder().build()),
                recorded.apply("schema changes", () -> sessionOn(keyspace)));
        try {
            DatabaseOpen.Opened fresh = DatabaseOpen.open(migrator, StoreWiring.schema(baseline, List.of()), sessions);

            assertThat(fresh.migrated()).isTrue();
            assertThat(opened).as("the keyspace is missing: the serving session is opened after the migration")
                    .containsExactly("serving", "bootstrap", "schema changes", "serving");
            assertThat(versions(fresh.session())).containsExactly(Migration.BASELINE_VERSION);
            fresh.session().close();

            opened.clear();
            DatabaseOpen.Opened again = DatabaseOpen.open(migrator, StoreWiring.schema(baseline, List.of()), sessions);

            assertThat(again.migrated()).isFalse();
            assertThat(opened).as("up to date: one session").containsExactly("serving");
            again.session().close();

            opened.clear();
            Migration later = new Migration(Migration.BASELINE_VERSION + 1, "a column added after the baseline",
                    List.of("ALTER TABLE push_tokens ADD app_version text"));
            DatabaseOpen.Opened changed = DatabaseOpen.open(migrator, StoreWiring.schema(baseline, List.of(later)),
                    sessions);

            assertThat(changed.migrated()).isTrue();
            assertThat(opened).as("the keyspace exists: no session to create it").containsExactly("serving",
                    "schema changes");
            assertThat(changed.session().execute(changed.session().prepare("SELECT app_version FROM push_tokens").bind())
                    .all()).as("the serving session, opened before the change, uses it").isEmpty();
            assertThat(versions(changed.session()))
                    .containsExactly(Migration.BASELINE_VERSION, Migration.BASELINE_VERSION + 1);
        } finally {
            toClose.forEach(CqlSession::close);
            drop(keyspace);
        }
    }

    /** As the node's session for schema changes, on another keyspace. */
    private CqlSession sessionOn(String keyspace) {
        return sessionBuilder().withKeyspace(keyspace).build();
    }

    private CqlSessionBuilder sessionBuilder() {
        return CqlSession.builder()
                .addContactEndPoints(session.getMetadata().getNodes().values().stream().map(Node::getEndPoint)
                        .toList())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
                        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, cqlConfig.requestTimeout()).build())
                .withLocalDatacenter(cqlConfig.localDatacenter());
    }

    /** Dropping a keyspace flushes and snapshots its tables: longer than a query on a busy machine. */
    private void drop(String keyspace) {
        session.execute(SimpleStatement.newInstance("DROP KEYSPACE " + keyspace)
                .setTimeout(Duration.ofSeconds(60)));
    }

    private static List<Integer> versions(CqlSession on) {
        return on.execute("SELECT version FROM schema_migrations").all().stream().map(row -> row.getInt("version"))
                .sorted().toList();
    }

    private List<String> tables(String keyspace) {
        return session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", keyspace).all()
                .stream().map(row -> row.getString("table_name")).toList();
    }

    /** The table a baseline statement creates ("CREATE TABLE IF NOT EXISTS name (...)"). */
    private static String createdTable(String statement) {
        return statement.strip().split("\\s+")[5];
    }

    @Test
    void aKeyspaceFromThePreReleaseSchemaHistoryIsRefusedWithWhatToDo() {
        String keyspace = "prerelease_" + Long.toHexString(System.nanoTime());
        session.execute("CREATE KEYSPACE " + keyspace
                + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        session.execute("CREATE TABLE " + keyspace + ".schema_migrations (version int PRIMARY KEY, description text,"
                + " applied_at timestamp)");
        for (int version : List.of(1, 3, 132)) {
            session.execute("INSERT INTO " + keyspace + ".schema_migrations (version) VALUES (" + version + ")");
        }
        try (CqlSession old = sessionOn(keyspace)) {
            SchemaMigrator migrator = new SchemaMigrator(keyspace, SINGLE_NODE);

            assertThatThrownBy(() -> migrator.migrate(old, StoreWiring.schema(baseline, changes))).isInstanceOf(ConfigRefusal.class)
                    .hasMessageContaining("keyspace " + keyspace + " was made by a pre-release build")
                    .hasMessageContaining("[1, 3, 132]").hasMessageContaining("courier.cql.keyspace");
            assertThat(old.execute("SELECT version FROM schema_migrations").all()).as("nothing applied").hasSize(3);
        } finally {
            drop(keyspace);
        }
    }

    @Test
    void everyRequestUsesTheConfiguredConsistency() {
        var profile = session.getContext().getConfig().getDefaultProfile();
        assertThat(profile.getString(DefaultDriverOption.REQUEST_CONSISTENCY))
                .isEqualTo(ConsistencyLevel.LOCAL_QUORUM.name());
        assertThat(profile.getString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY))
                .isEqualTo(ConsistencyLevel.LOCAL_SERIAL.name());
    }

    @Test
    void theMediaBucketExistsOnTheObjectStore() throws Exception {
        assertThat(minio.bucketExists(BucketExistsArgs.builder().bucket(mediaConfig.bucket()).build())).isTrue();
    }

    @Test
    void grpcHealthReportsServing() {
        HealthCheckResponse response = HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.getDefaultInstance());
        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void healthWatchersSeeEveryChange() throws Exception {
        Context.CancellableContext call = Context.current().withCancellation();
        try {
            Iterator<HealthCheckResponse> watch = call.call(() -> HealthGrpc.newBlockingStub(channel)
                    .watch(HealthCheckRequest.getDefaultInstance()));
            assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

            health.setStatus(GrpcHealthStorage.DEFAULT_SERVICE_NAME, HealthCheckResponse.ServingStatus.NOT_SERVING);

            assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
        } finally {
            health.setStatus(GrpcHealthStorage.DEFAULT_SERVICE_NAME, HealthCheckResponse.ServingStatus.SERVING);
            call.cancel(null);
        }
    }
}
