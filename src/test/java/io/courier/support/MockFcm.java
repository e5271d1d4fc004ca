package io.courier.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local FCM HTTP v1 endpoint and Google OAuth2 token endpoint on one free port. {@code POST /token} takes a
 * service-account JWT assertion (RS256, checked with the account's public key, issuer and scope) and issues an
 * access token; {@code POST /v1/projects/<project>/messages:send} needs that token and answers with FCM's statuses
 * and error codes. Tokens can be marked unregistered (404 UNREGISTERED) and the next sends forced to 503.
 */
public final class MockFcm implements AutoCloseable {
    public static final String PROJECT = "courier-test";
    public static final String CLIENT_EMAIL = "courier@courier-test.iam.gserviceaccount.com";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One message FCM accepted: the target token and the whole message object. */
    public record Message(String token, JsonNode message) {
    }

    private final HttpServer server;
    private final KeyPair account;
    private final Path serviceAccountFile;
    private final Set<String> issued = ConcurrentHashMap.newKeySet();
    private final List<Message> accepted = new CopyOnWriteArrayList<>();
    private final Set<String> unregistered = ConcurrentHashMap.newKeySet();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger tokenRequests = new AtomicInteger();

    public MockFcm(Path directory) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        account = generator.generateKeyPair();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::token);
        server.createContext("/v1/projects/" + PROJECT + "/messages:send", this::send);
        server.start();
        Files.createDirectories(directory);
        serviceAccountFile = directory.resolve("service-account.json");
        ObjectNode json = JSON.createObjectNode().put("type", "service_account").put("project_id", PROJECT)
                .put("private_key_id", "key-1")
                .put("private_key", SelfSignedCertificate.pem("PRIVATE KEY", account.getPrivate().getEncoded()))
                .put("client_email", CLIENT_EMAIL).put("client_id", "1")
                .put("token_uri", endpoint().resolve("/token").toString());
        Files.writeString(serviceAccountFile, json.toString());
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public Path serviceAccountFile() {
        return serviceAccountFile;
    }

    public void unregister(String token) {
        unregistered.add(token);
    }

    /** The next {@code count} sends get 503 UNAVAILABLE. */
    public void failNext(int count) {
        unavailable.set(count);
    }

    public int tokenRequests() {
        return tokenRequests.get();
    }

    public List<Message> acceptedFor(String token) {
        return accepted.stream().filter(m -> m.token().equals(token)).toList();
    }

    private void token(HttpExchange exchange) throws IOException {
        tokenRequests.incrementAndGet();
        Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))
                || !validAssertion(form.get("assertion"))) {
            respond(exchange, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        String accessToken = "ya29." + UUID.randomUUID();
        issued.add(accessToken);
        respond(exchange, 200, "{\"access_token\":\"" + accessToken + "\",\"expires_in\":3600,"
                + "\"token_type\":\"Bearer\"}");
    }

    private void send(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null || !issued.contains(authorization.replaceFirst("^Bearer ", ""))) {
            respond(exchange, 401, error(401, "UNAUTHENTICATED", null));
            return;
        }
        JsonNode message = JSON.readTree(exchange.getRequestBody()).path("message");
        String token = message.path("token").asText();
        if (unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            respond(exchange, 503, error(503, "UNAVAILABLE", "UNAVAILABLE"));
        } else if (unregistered.contains(token)) {
            respond(exchange, 404, error(404, "NOT_FOUND", "UNREGISTERED"));
        } else {
            accepted.add(new Message(token, message));
            respond(exchange, 200, "{\"name\":\"projects/" + PROJECT + "/messages/" + UUID.randomUUID() + "\"}");
        }
    }

    /** FCM's error body: a Google API status and an FcmError detail with the FCM error code. */
    private static String error(int code, String status, String fcmCode) {
        ObjectNode error = JSON.createObjectNode();
        ObjectNode body = error.putObject("error").put("code", code).put("message", status).put("status", status);
        if (fcmCode != null) {
            body.putArray("details").addObject().put("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError")
                    .put("errorCode", fcmCode);
        }
        return error.toString();
    }

    /** RS256 over header.claims with the account's key; issued by the service account for the FCM scope. */
    private boolean validAssertion(String assertion) {
        try {
            String[] parts = assertion.split("\\.");
            Base64.Decoder base64 = Base64.getUrlDecoder();
            JsonNode claims = JSON.readTree(base64.decode(parts[1]));
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify(account.getPublic());
            verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return verifier.verify(base64.decode(parts[2])) && CLIENT_EMAIL.equals(claims.path("iss").asText())
                    && claims.path("scope").asText().contains("firebase.messaging");
        } catch (Exception e) {
            return false;
        }
    }

    private static Map<String, String> form(String body) {
        return Arrays.stream(body.split("&")).map(pair -> pair.split("=", 2)).filter(kv -> kv.length == 2)
                .collect(Collectors.toMap(kv -> URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv -> URLDecoder.decode(kv[1], StandardCharsets.UTF_8), (a, b) -> b));
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
