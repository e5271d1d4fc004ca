package io.courier.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/** The log sender's guard, and the HTTP gateway sender against a real local HTTP server. */
class VerificationSendersTest {
    private record Received(String authorization, String body) {
    }

    private HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    /** Status answered to each request in turn; the last repeats. */
    private volatile int[] answers = { 200 };
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean hang;

    @BeforeEach
    void startGateway() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/sms", exchange -> {
            int n = requests.getAndIncrement();
            received.add(new Received(exchange.getRequestHeaders().getFirst("Authorization"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            if (hang) {
                try {
                    released.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(answers[Math.min(n, answers.length - 1)], -1);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stopGateway() {
        released.countDown();
        server.stop(0);
    }

    private HttpGatewaySender sender(int attempts, Duration timeout) {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/sms");
        return new HttpGatewaySender(new HttpGatewaySender.Settings(url, Optional.of("Bearer gateway-secret"),
                timeout, attempts, Duration.ofMillis(10)));
    }

    @Test
    void postsTheCodeWithTheAuthorizationHeader() {
        sender(3, Duration.ofSeconds(5)).send("+4915112345678", "123456");

        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.authorization()).isEqualTo("Bearer gateway-secret");
            assertThat(r.body()).isEqualTo("{\"phone_number\":\"+4915112345678\",\"code\":\"123456\"}");
        });
    }

    @Test
    void retriesServerErrorsAndRateLimitsWithBackoff() {
        answers = new int[] { 503, 429, 200 };

        sender(3, Duration.ofSeconds(5)).send("+4915112345678", "123456");

        assertThat(requests.get()).isEqualTo(3);
    }

    @Test
    void givesUpAfterItsAttemptsWithoutNamingTheCode() {
        answers = new int[] { 500 };

        assertThatThrownBy(() -> sender(2, Duration.ofSeconds(5)).send("+4915112345678", "654321"))
                .hasMessageContaining("HTTP 500").hasMessageNotContaining("654321");
        assertThat(requests.get()).isEqualTo(2);
    }

    @Test
    void aRefusalIsNotRetried() {
        answers = new int[] { 400 };

        assertThatThrownBy(() -> sender(3, Duration.ofSeconds(5)).send("+4915112345678", "123456"))
                .hasMessageContaining("refused with HTTP 400");
        assertThat(requests.get()).isEqualTo(1);
    }

    @Test
    void aGatewayThatDoesNotAnswerTimesOutAndIsRetried() {
        hang = true;

        assertThatThrownBy(() -> sender(2, Duration.ofMillis(300)).send("+4915112345678", "123456"))
                .hasMessageContaining("HttpTimeoutException");
        assertThat(requests.get()).isEqualTo(2);
    }

    @Test
    void theLogSenderRefusesToStartOutsideLocalRunsUnlessAllowed() {
        assertThatThrownBy(() -> LoggingVerificationCodeSender.guarded(false, false))
                .hasMessageContaining("local runs only");
        assertThat(LoggingVerificationCodeSender.guarded(false, true)).isNotNull();
        assertThat(LoggingVerificationCodeSender.guarded(true, false)).isNotNull();
    }
}
