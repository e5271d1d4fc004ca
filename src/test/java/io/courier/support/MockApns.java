package io.courier.support;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;

/**
 * A local APNs: HTTP/2 over TLS (ALPN h2) on a free port, {@code POST /3/device/<token>}, checking the provider
 * token (an ES256 JWT with the team id and key id, verified with the signing key's public half) and the topic
 * like Apple does, and answering with Apple's statuses and reasons. Tokens can be marked unregistered (410) and
 * the next answers forced to 503.
 */
public final class MockApns implements AutoCloseable {
    public static final String TEAM_ID = "TEAM123456";
    public static final String KEY_ID = "KEY1234567";
    public static final String TOPIC = "io.courier.test";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One notification APNs accepted, and when ({@link System#nanoTime()}). */
    public record Notification(String token, Map<String, String> headers, String payload, long receivedNanos) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final KeyPair signing;
    private final Path signingKeyFile;
    private final Path certificate;
    private final List<Notification> accepted = new CopyOnWriteArrayList<>();
    private final Set<String> unregistered = ConcurrentHashMap.newKeySet();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    public MockApns(Path directory) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        signing = generator.generateKeyPair();
        Files.createDirectories(directory);
        signingKeyFile = directory.resolve("AuthKey_" + KEY_ID + ".p8");
        Files.writeString(signingKeyFile, SelfSignedCertificate.pem("PRIVATE KEY", signing.getPrivate().getEncoded()));
        SelfSignedCertificate tls = SelfSignedCertificate.create(directory.resolve("tls"));
        certificate = tls.certificate();
        server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setUseAlpn(true).setHost("127.0.0.1")
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certificate().toString())
                        .setKeyPath(tls.privateKey().toString())))
                .requestHandler(this::handle);
        server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A random device token as an app would register it (32 bytes, hex). */
    public static String randomToken() {
        byte[] bytes = new byte[32];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public int port() {
        return server.actualPort();
    }

    /** The .p8 key the provider signs its tokens with. */
    public Path signingKeyFile() {
        return signingKeyFile;
    }

    /** The server's self-signed certificate, for the client to trust. */
    public Path certificate() {
        return certificate;
    }

    public void unregister(String token) {
        unregistered.add(token);
    }

    /** The next {@code count} requests get 503 ServiceUnavailable. */
    public void failNext(int count) {
        unavailable.set(count);
    }

    public int requests() {
        return requests.get();
    }

    public List<Notification> accepted() {
        return List.copyOf(accepted);
    }

    public List<Notification> acceptedFor(String token) {
        return accepted.stream().filter(n -> n.token().equals(token)).toList();
    }

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            requests.incrementAndGet();
            if (!request.method().name().equals("POST") || !request.path().startsWith("/3/device/")) {
                answer(request, 405, "MethodNotAllowed");
                return;
            }
            String token = request.path().substring("/3/device/".length());
            if (!validProviderToken(request.getHeader("authorization"))) {
                answer(request, 403, "InvalidProviderToken");
            } else if (!TOPIC.equals(request.getHeader("apns-topic"))) {
                answer(request, 400, "DeviceTokenNotForTopic");
            } else if (unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                answer(request, 503, "ServiceUnavailable");
            } else if (unregistered.contains(token)) {
                answer(request, 410, "Unregistered");
            } else {
                Map<String, String> headers = new ConcurrentHashMap<>();
                request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
                accepted.add(new Notification(token, headers, body.toString(StandardCharsets.UTF_8),
                        System.nanoTime()));
                request.response().putHeader("apns-id", UUID.randomUUID().toString()).setStatusCode(200).end();
            }
        });
    }

    private static void answer(HttpServerRequest request, int status, String reason) {
        request.response().putHeader("apns-id", UUID.randomUUID().toString()).setStatusCode(status)
                .putHeader("content-type", "application/json").end("{\"reason\":\"" + reason + "\"}");
    }

    /** {@code bearer <JWT>}: header {alg ES256, kid}, claims {iss team, iat}, signature by the signing key. */
    private boolean validProviderToken(String authorization) {
        try {
            if (authorization == null || !authorization.startsWith("bearer ")) {
                return false;
            }
            String[] parts = authorization.substring(7).split("\\.");
            Base64.Decoder base64 = Base64.getUrlDecoder();
            JsonNode header = JSON.readTree(base64.decode(parts[0]));
            JsonNode claims = JSON.readTree(base64.decode(parts[1]));
            byte[] signature = base64.decode(parts[2]);
            // JWS says R||S (64 bytes); APNs also takes the DER form that Pushy sends.
            Signature verifier = Signature.getInstance(signature.length == 64 ? "SHA256withECDSAinP1363Format"
                    : "SHA256withECDSA");
            verifier.initVerify(signing.getPublic());
            verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return "ES256".equals(header.path("alg").asText()) && KEY_ID.equals(header.path("kid").asText())
                    && TEAM_ID.equals(claims.path("iss").asText()) && claims.has("iat")
                    && verifier.verify(signature);
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
