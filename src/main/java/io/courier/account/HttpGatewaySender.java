package io.courier.account;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

import org.jboss.logging.Logger;

/**
 * Sends codes through an SMS provider's HTTP API: {@code POST <url>} with a JSON body
 * {@code {"phone_number":"+49…","code":"123456"}} and the configured authorization header; any 2xx is success.
 * Timeouts, connection failures, 429 and 5xx are retried with doubling backoff; other answers fail at once. The
 * code and the credentials are never logged. Runs on the bounded elastic scheduler (see {@link PhoneVerification}),
 * so the blocking call waits on no transport thread.
 */
final class HttpGatewaySender implements VerificationCodeSender {
    private static final Logger LOG = Logger.getLogger(HttpGatewaySender.class);

    /** Where and how to call the gateway. */
    record Settings(URI url, Optional<String> authorization, Duration timeout, int attempts, Duration backoff) {
    }

    private final Settings settings;
    private final HttpClient client;

    HttpGatewaySender(Settings settings) {
        this.settings = settings;
        this.client = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
    }

    @Override
    public void send(String phoneNumber, String code) {
        String body = "{\"phone_number\":\"" + phoneNumber + "\",\"code\":\"" + code + "\"}";
        HttpRequest.Builder request = HttpRequest.newBuilder(settings.url()).timeout(settings.timeout())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        settings.authorization().ifPresent(value -> request.header("Authorization", value));
        Duration wait = settings.backoff();
        for (int attempt = 1;; attempt++) {
            String failure = attempt(request.build());
            if (failure == null) {
                return;
            }
            boolean retriable = !failure.startsWith("refused");
            if (!retriable || attempt >= settings.attempts()) {
                throw new IllegalStateException("the SMS gateway did not accept the code: " + failure);
            }
            LOG.warnf("SMS gateway attempt %d of %d failed (%s); retrying in %d ms", attempt, settings.attempts(),
                    failure, wait.toMillis());
            pause(wait);
            wait = wait.multipliedBy(2);
        }
    }

    /** Null on success; else what went wrong, starting with "refused" when retrying can't help. */
    private String attempt(HttpRequest request) {
        try {
            int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status / 100 == 2) {
                return null;
            }
            return (status == 429 || status >= 500 ? "HTTP " : "refused with HTTP ") + status;
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "refused: interrupted";
        }
    }

    private static void pause(Duration wait) {
        try {
            Thread.sleep(wait.toMillis()); // a retry backoff on the sender's own elastic thread
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
