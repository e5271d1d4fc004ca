package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.CqlSession;

import io.courier.common.ConfigRefusal;
import io.courier.local.FreePorts;
import io.quarkus.runtime.QuarkusBindException;

/** The line a refused start ends with: what is wrong and which setting fixes it. */
class StartFailureTest {
    private static final StartFailure.Settings EMBEDDED = new StartFailure.Settings(List.of(
            new StartFailure.PortSetting("quarkus.grpc.server.port", "QUARKUS_GRPC_SERVER_PORT", "gRPC", 9000),
            new StartFailure.PortSetting("quarkus.management.port", "QUARKUS_MANAGEMENT_PORT", "management", 9464),
            new StartFailure.PortSetting("courier.cluster.port", "COURIER_CLUSTER_PORT", "cluster", 5701)),
            true, false);

    @Test
    void aRefusedSettingIsReportedByItsOwnMessageOnOneLine() {
        RuntimeException failure = new RuntimeException("Failed to start quarkus",
                new ConfigRefusal("courier.media.url-ttl must be 1 s to 7 days\n  (S3's presign limit)"));

        assertThat(StartFailure.explain(failure, EMBEDDED, port -> -1)).contains(
                "Courier did not start: courier.media.url-ttl must be 1 s to 7 days; (S3's presign limit)");
    }

    @Test
    void aManagementPortClashNamesThePortItsSettingAndTheNextFreeOne() {
        RuntimeException failure = new RuntimeException("Unable to start HTTP server", new ExecutionException(
                new IllegalStateException("Unable to start the management interface on 0.0.0.0:9464",
                        new BindException("Address already in use"))));

        assertThat(StartFailure.explain(failure, EMBEDDED, port -> port + 2)).contains("Courier did not start: port"
                + " 9464 (quarkus.management.port, management) is in use by another process; stop that process or"
                + " move this node with QUARKUS_MANAGEMENT_PORT (QUARKUS_MANAGEMENT_PORT=9466 is free)");
    }

    @Test
    void aGrpcPortClashIsFoundByTheQuarkusBindException() {
        RuntimeException failure = new IllegalStateException("the gRPC server is not listening on 0.0.0.0:9000",
                new QuarkusBindException("0.0.0.0", 9000, new BindException("Address already in use")));

        assertThat(StartFailure.explain(failure, EMBEDDED, port -> -1)).hasValueSatisfying(line -> assertThat(line)
                .contains("port 9000 (quarkus.grpc.server.port").endsWith("move this node with QUARKUS_GRPC_SERVER_PORT"));
    }

    @Test
    void noFreePortIsOfferedOutsideTheEmbeddedDefault() {
        StartFailure.Settings external = new StartFailure.Settings(EMBEDDED.ports(), false, false);
        RuntimeException failure = new IllegalStateException("Unable to start the management interface on"
                + " 0.0.0.0:9464", new BindException("Address already in use"));

        assertThat(StartFailure.explain(failure, external, port -> port + 1)).hasValueSatisfying(
                line -> assertThat(line).doesNotContain("is free"));
    }

    @Test
    void aClashOnAPortNoSettingNamesListsEverySetting() {
        BindException failure = new BindException("Address already in use");

        assertThat(StartFailure.explain(failure, EMBEDDED, port -> -1)).hasValueSatisfying(line -> assertThat(line)
                .contains("a port it needs is in use").contains("QUARKUS_GRPC_SERVER_PORT, QUARKUS_MANAGEMENT_PORT"
                        + " and COURIER_CLUSTER_PORT"));
    }

    @Test
    void noDatabaseAnsweringNamesTheContactPointsOutsideTheEmbeddedDefault() {
        // A real driver against a port nothing listens on.
        AllNodesFailedException failure = catchThrowableOfType(AllNodesFailedException.class, () -> CqlSession
                .builder().addContactPoint(new InetSocketAddress("127.0.0.1", FreePorts.pick()))
                .withLocalDatacenter("datacenter1").build());
        StartFailure.Settings external = new StartFailure.Settings(EMBEDDED.ports(), false, false);

        assertThat(StartFailure.explain(failure, external, port -> -1)).hasValueSatisfying(line -> assertThat(line)
                .startsWith("Courier did not start: no database node answered; check courier.cql.contact-points"
                        + " (COURIER_CQL_CONTACT_POINTS)"));
        assertThat(StartFailure.explain(failure, EMBEDDED, port -> -1)).hasValueSatisfying(line -> assertThat(line)
                .contains("check the local Cassandra"));
    }

    @Test
    void anUnexpectedFailureIsNotExplainedAwayAndKeepsItsTrace() {
        RuntimeException bug = new RuntimeException("Failed to start quarkus", new NullPointerException("boom"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThat(StartFailure.explain(bug, EMBEDDED, port -> -1)).isEmpty();
        StartFailure.report(bug, EMBEDDED, new PrintStream(out, true, StandardCharsets.UTF_8));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains(" ERROR [io.courier.edge.StartFailure] ")
                .contains("Courier did not start: NullPointerException: boom").contains("\tat ");
    }

    @Test
    void aRefusalPrintsOneLineAndItsTraceOnlyWhenAskedFor() {
        ConfigRefusal refusal = new ConfigRefusal("courier.cql.keyspace 'X' must be lower-case");
        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        ByteArrayOutputStream debug = new ByteArrayOutputStream();

        StartFailure.report(refusal, EMBEDDED, new PrintStream(quiet, true, StandardCharsets.UTF_8));
        StartFailure.report(refusal, new StartFailure.Settings(EMBEDDED.ports(), true, true),
                new PrintStream(debug, true, StandardCharsets.UTF_8));

        assertThat(quiet.toString(StandardCharsets.UTF_8).lines()).singleElement().asString()
                .contains("Courier did not start: courier.cql.keyspace 'X' must be lower-case");
        assertThat(debug.toString(StandardCharsets.UTF_8)).contains("\tat ");
    }
}
