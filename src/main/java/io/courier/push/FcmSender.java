package io.courier.push;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import io.courier.common.ConfigRefusal;

/**
 * FCM HTTP v1 ({@code POST /v1/projects/{project}/messages:send}) with a service-account OAuth2 token from Google's
 * auth library. The wake-up is a data-only, high-priority message with a collapse key and nothing in it, so the app
 * wakes, connects and drains.
 */
final class FcmSender implements WakeSender {
    static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
    static final String COLLAPSE_KEY = "courier-wake";
    /**
     * Error codes that mean the token will never work again for this project. Not INVALID_ARGUMENT: FCM also answers
     * it for a malformed message, and a payload bug must not delete every Android token.
     */
    private static final Set<String> DEAD_TOKEN = Set.of("UNREGISTERED", "SENDER_ID_MISMATCH");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GoogleCredentials credentials;
    private final URI sendUri;
    private final HttpClient http;
    private final Duration timeout;
    private final Duration ttl;
    private final Retrying retrying;
    /** A cached access token is used only while it has at least this long to live; then it is refreshed. */
    private static final Duration FRESH_FOR = Duration.ofMinutes(3); // the library's own expiration margin

    /**
     * The library fetches and refreshes tokens with blocking HTTP calls: they get a thread of their own. Only
     * refreshes go there (about once an hour), so its queue holds the wake-ups that arrive during one refresh.
     */
    private final Scheduler auth = Schedulers.newBoundedElastic(1, 1024, "courier-fcm-auth", 60, true);

    FcmSender(Path serviceAccount, Optional<String> projectId, URI endpoint, Duration timeout, Duration ttl,
            Retrying retrying) throws IOException {
        ServiceAccountCredentials account;
        try (InputStream in = Files.newInputStream(serviceAccount)) {
            account = ServiceAccountCredentials.fromStream(in);
        }
        String project = projectId.orElseGet(account::getProjectId);
        if (project == null || project.isBlank()) {
            throw new ConfigRefusal("courier.push.fcm.project-id is not set and the service account has"
                    + " no project_id");
        }
        this.credentials = account.createScoped(List.of(SCOPE));
        this.sendUri = endpoint.resolve("/v1/projects/" + project + "/messages:send");
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.timeout = timeout;
        this.ttl = ttl;
        this.retrying = retrying;
    }

    @Override
    public Mono<WakeResult> wake(String token) {
        String body = message(token);
        return retrying.run(() -> accessToken()
                .flatMap(bearer -> Mono.fromCompletionStage(() -> http.sendAsync(HttpRequest.newBuilder(sendUri)
                        .timeout(timeout).header("Authorization", "Bearer " + bearer)
                        .header("Content-Type", "application/json; charset=UTF-8")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString())))
                .map(FcmSender::result));
    }

    /** The cached token while it is fresh, on the caller's thread; otherwise refreshed on the auth thread. */
    private Mono<String> accessToken() {
        AccessToken cached = credentials.getAccessToken();
        if (cached != null && cached.getExpirationTime() != null
                && cached.getExpirationTime().toInstant().isAfter(Instant.now().plus(FRESH_FOR))) {
            return Mono.just(cached.getTokenValue());
        }
        return Mono.fromCallable(() -> {
            credentials.refreshIfExpired();
            return credentials.getAccessToken().getTokenValue();
        }).subscribeOn(auth);
    }

    private String message(String token) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode message = root.putObject("message");
        message.put("token", token);
        message.putObject("android").put("priority", "HIGH").put("collapse_key", COLLAPSE_KEY)
                .put("ttl", ttl.toSeconds() + "s");
        message.putObject("data").put("courier", "wake");
        return root.toString();
    }

    private static WakeResult result(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status == 200) {
            return new WakeResult.Accepted();
        }
        String code = errorCode(response.body());
        if (status == 429 || status >= 500) {
            throw new Retrying.Transient("FCM " + status + " " + code);
        }
        if (status == 404 || DEAD_TOKEN.contains(code)) {
            return new WakeResult.InvalidToken(code);
        }
        return new WakeResult.Failed("FCM " + status + " " + code);
    }

    /** The FCM error code ({@code details[].errorCode}), else the Google API status, of an error answer. */
    private static String errorCode(String body) {
        try {
            JsonNode error = JSON.readTree(body).path("error");
            for (JsonNode detail : error.path("details")) {
                if (detail.hasNonNull("errorCode")) {
                    return detail.get("errorCode").asText();
                }
            }
            return error.path("status").asText("UNKNOWN");
        } catch (IOException e) {
            return "UNKNOWN";
        }
    }

    @Override
    public void close() {
        auth.dispose();
    }
}
