package io.courier.push;

import java.io.File;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;

import reactor.core.publisher.Mono;

/**
 * APNs over HTTP/2 with token authentication (Pushy signs and refreshes the ES256 JWT). The wake-up is an alert
 * with only a localisation key and {@code mutable-content}, so the app's notification service extension connects
 * and replaces it with what it decrypts; {@code apns-collapse-id} makes the phone keep one.
 */
final class ApnsSender implements WakeSender {
    static final String PAYLOAD = "{\"aps\":{\"alert\":{\"loc-key\":\"courier.wake\"},\"mutable-content\":1}}";
    static final String COLLAPSE_ID = "courier-wake";
    /** Answers that mean the token will never work again for this app. */
    private static final Set<String> DEAD_TOKEN = Set.of("BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic");

    /** Where and as whom to connect. */
    record Settings(String host, int port, File signingKey, String teamId, String keyId, String topic,
            File trustedCertificates) {
    }

    private final ApnsClient client;
    private final String topic;
    private final Duration ttl;
    private final Retrying retrying;
    private final Clock clock;

    ApnsSender(Settings settings, Duration connectTimeout, Duration ttl, Retrying retrying, Clock clock)
            throws Exception {
        ApnsClientBuilder builder = new ApnsClientBuilder().setApnsServer(settings.host(), settings.port())
                .setSigningKey(ApnsSigningKey.loadFromPkcs8File(settings.signingKey(), settings.teamId(),
                        settings.keyId()))
                .setConnectionTimeout(connectTimeout)
                .setUseAlpn(true); // negotiate h2 explicitly, as APNs (and any standard HTTP/2 server) offers it
        if (settings.trustedCertificates() != null) {
            builder.setTrustedServerCertificateChain(settings.trustedCertificates());
        }
        this.client = builder.build();
        this.topic = settings.topic();
        this.ttl = ttl;
        this.retrying = retrying;
        this.clock = clock;
    }

    @Override
    public Mono<WakeResult> wake(String token) {
        return retrying.run(() -> Mono.fromCompletionStage(() -> client.sendNotification(
                new SimpleApnsPushNotification(token, topic, PAYLOAD, clock.instant().plus(ttl),
                        DeliveryPriority.IMMEDIATE, PushType.ALERT, COLLAPSE_ID)))
                .map(ApnsSender::result));
    }

    private static WakeResult result(PushNotificationResponse<?> response) {
        if (response.isAccepted()) {
            return new WakeResult.Accepted();
        }
        String reason = response.getRejectionReason().orElse("status " + response.getStatusCode());
        if (response.getStatusCode() == 410 || DEAD_TOKEN.contains(reason)) {
            return new WakeResult.InvalidToken(reason);
        }
        if (response.getStatusCode() == 429 || response.getStatusCode() >= 500) {
            throw new Retrying.Transient("APNs " + response.getStatusCode() + " " + reason);
        }
        return new WakeResult.Failed("APNs " + response.getStatusCode() + " " + reason);
    }

    @Override
    public void close() {
        client.close();
    }
}
