package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** Prometheus scrapes the node on the management port (not the gRPC port) and finds CQL latency and Courier's meters. */
@QuarkusTest
class MetricsEndpointTest extends ServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theManagementPortServesPrometheusMetrics() throws Exception {
        registerNew(); // a few CQL requests through the tracked session

        HttpResponse<String> response = scrape();

        assertThat(response.statusCode()).isEqualTo(200);
        String body = response.body();
        assertThat(sampleValue(body, "courier_cql_requests_seconds_count\\{[^}]*outcome=\"success\"[^}]*}"))
                .isPositive();
        assertThat(sampleValue(body, "courier_cql_node_requests_seconds_count\\{[^}]*outcome=\"success\"[^}]*}"))
                .isPositive();
        assertThat(body).contains("courier_cql_requests_seconds_bucket{");
    }

    @Test
    void courierMetersAreScraped() throws Exception {
        String body = scrape().body();

        assertThat(body).contains(
                "courier_streams_open ",
                "courier_frames_received_total{type=\"send\"",
                "courier_frames_received_total{type=\"invalid\"",
                "courier_frames_sent_total{type=\"delivery\"",
                "courier_frames_refused_total{reason=\"rate_limited\"",
                "courier_frames_refused_total{reason=\"not_delivered_to_you\"",
                "courier_stream_opens_refused_total{reason=\"unauthenticated\"",
                "courier_drains_started_total ",
                "courier_drains_completed_total ",
                "courier_drain_duration_seconds_bucket{",
                "courier_send_ack_seconds_bucket{",
                "courier_send_deliver_seconds_bucket{",
                "courier_messages_stored_total ",
                "courier_receipts_emitted_total{status=\"read\"",
                "courier_grid_migrations_total ",
                "courier_queue_holding ");
        // The test node is a lone member once any second member an earlier test joined has gone and its partitions
        // came back: it sees itself and owns every partition.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String now = scrape().body();
            assertThat(sampleValue(now, "courier_grid_members")).isEqualTo(1);
            assertThat(sampleValue(now, "courier_grid_partitions_owned")).isEqualTo(271);
        });
    }

    @Test
    void metricsAreNotOnTheGrpcPort() throws InterruptedException {
        int grpcPort = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        assertThat(managementPort()).isNotEqualTo(grpcPort);
        String answer;
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + grpcPort + "/q/metrics")).timeout(Duration.ofSeconds(10))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            answer = response.statusCode() + " " + response.body();
        } catch (IOException refused) {
            answer = "refused: " + refused;
        }

        assertThat(answer).doesNotContain("courier_");
    }

    private static int managementPort() {
        return ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
    }

    private static HttpResponse<String> scrape() throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + managementPort() + "/q/metrics");
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the first sample line whose name and labels match {@code series}. */
    private static double sampleValue(String body, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " (\\S+)$").matcher(body);
        assertThat(m.find()).as("a sample of %s in%n%s", series, body).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
