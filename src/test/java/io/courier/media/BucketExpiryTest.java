package io.courier.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;

/**
 * The lifecycle path with the real MinIO SDK against a recording S3 endpoint (S3Proxy has no lifecycle rules, and
 * no MinIO server can run here): the rule that goes on the wire, and the fallback to the sweeper on a 501.
 */
class BucketExpiryTest {
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private HttpServer server;

    private MinioClient storeAnswering(int status, String body) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n"
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return MinioClient.builder().endpoint("http://127.0.0.1:" + server.getAddress().getPort())
                .credentials("key", "secret").region("us-east-1").build();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aStoreWithLifecycleRulesGetsTheExpiryAndTheAbortOfStaleUploads() throws Exception {
        MinioClient s3 = storeAnswering(200, "");
        assertThat(BucketExpiry.configure(s3, "media", ExpiryMode.AUTO, Duration.ofDays(30), Duration.ofHours(24)))
                .isEqualTo(ExpiryMode.LIFECYCLE);

        assertThat(requests).hasSize(1);
        String request = requests.get(0);
        assertThat(request).startsWith("PUT /media?lifecycle");
        assertThat(request).contains("<Status>Enabled</Status>").contains("<Days>30</Days>")
                .contains("<DaysAfterInitiation>1</DaysAfterInitiation>").contains(BucketExpiry.RULE_ID);
    }

    @Test
    void aStoreWithoutLifecycleRulesLeavesExpiryToTheSweeperUnlessLifecycleWasDemanded() throws Exception {
        MinioClient s3 = storeAnswering(501, "<?xml version=\"1.0\"?><Error><Code>NotImplemented</Code>"
                + "<Message>not implemented</Message></Error>");
        assertThat(BucketExpiry.configure(s3, "media", ExpiryMode.AUTO, Duration.ofDays(30), Duration.ofHours(24)))
                .isEqualTo(ExpiryMode.SWEEPER);
        assertThatThrownBy(() -> BucketExpiry.configure(s3, "media", ExpiryMode.LIFECYCLE, Duration.ofDays(30),
                Duration.ofHours(24))).isInstanceOf(ErrorResponseException.class);
        assertThat(BucketExpiry.configure(s3, "media", ExpiryMode.SWEEPER, Duration.ofDays(30),
                Duration.ofHours(24))).isEqualTo(ExpiryMode.SWEEPER);
        assertThat(requests).as("SWEEPER asks the store nothing").hasSize(2);
    }
}
