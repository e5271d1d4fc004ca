package io.courier.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Iterator;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;

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
    @Inject
    CqlSession session;

    @Inject
    CqlConfig cqlConfig;

    @Inject
    @All
    List<Migration> migrations;

    @Inject
    MinioClient minio;

    @Inject
    MediaConfig mediaConfig;

    @Inject
    GrpcHealthStorage health;

    @Test
    void migrationsAreRecordedAndRunningThemAgainChangesNothing() {
        var recorded = session.execute("SELECT version FROM schema_migrations").all().stream()
                .map(row -> row.getInt("version")).toList();
        assertThat(recorded).containsExactlyInAnyOrderElementsOf(migrations.stream().map(Migration::version).toList());

        int ran = new SchemaMigrator(cqlConfig.keyspace(), "{'class': 'SimpleStrategy', 'replication_factor': 1}")
                .migrate(session, migrations);

        assertThat(ran).isZero();
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
        try (CqlSession old = CqlSession.builder()
                .addContactEndPoints(session.getMetadata().getNodes().values().stream().map(Node::getEndPoint)
                        .toList())
                .withLocalDatacenter(cqlConfig.localDatacenter()).withKeyspace(keyspace).build()) {
            SchemaMigrator migrator = new SchemaMigrator(keyspace, "{'class': 'SimpleStrategy', 'replication_factor': 1}");

            assertThatThrownBy(() -> migrator.migrate(old, migrations)).isInstanceOf(ConfigRefusal.class)
                    .hasMessageContaining("keyspace " + keyspace + " was made by a pre-release build")
                    .hasMessageContaining("[132]").hasMessageContaining("courier.cql.keyspace");
            assertThat(old.execute("SELECT version FROM schema_migrations").all()).as("nothing applied").hasSize(3);
        } finally {
            session.execute("DROP KEYSPACE " + keyspace);
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
