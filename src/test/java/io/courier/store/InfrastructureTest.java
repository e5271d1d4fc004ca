package io.courier.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;

import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import grpc.health.v1.HealthGrpc;
import io.courier.media.MediaConfig;
import io.courier.support.ServerTest;
import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import io.quarkus.arc.All;
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
}
