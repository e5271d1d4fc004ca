package io.courier.push;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Wake-up pushes: when and how often, and the credentials of the two push services (files or mounted Secrets). */
@ConfigMapping(prefix = "courier.push")
public interface PushConfig {
    /** How long a device may stay without a stream after something is stored before it is woken. */
    @WithDefault("250ms")
    Duration wakeDelay();

    /** At most one wake-up per device in this window, until the device connects. */
    @WithDefault("30s")
    Duration coalesceWindow();

    /**
     * Wake-ups one account may cause another account's devices, cluster-wide: this many at once, then one per
     * {@link #wakesPerSenderRefill} (the defaults: 20 an hour). Messages that would wake beyond it are stored and
     * delivered as usual, just without a push; other senders still wake the devices.
     */
    @WithDefault("20")
    int wakesPerSenderBurst();

    @WithDefault("3m")
    Duration wakesPerSenderRefill();

    /** How often each node looks for pending wake-ups whose timer was lost (its node died, partitions moved). */
    @WithDefault("30s")
    Duration sweepInterval();

    /** How long APNs / FCM keep a wake-up for a phone that is off. */
    @WithDefault("1d")
    Duration wakeTtl();

    /** Per request to a push service. */
    @WithDefault("5s")
    Duration timeout();

    /** Attempts per wake-up on timeouts, connection failures, 429 and 5xx (doubling backoff in between). */
    @WithDefault("3")
    int attempts();

    @WithDefault("200ms")
    Duration backoff();

    /** Token registrations and removals per device. */
    @WithDefault("10")
    int tokenChangeBurst();

    @WithDefault("1m")
    Duration tokenChangeRefill();

    Apns apns();

    Fcm fcm();

    /** APNs over HTTP/2 with token (JWT ES256) authentication. */
    interface Apns {
        @WithDefault("false")
        boolean enabled();

        @WithDefault("api.push.apple.com")
        String host();

        @WithDefault("443")
        int port();

        /** The .p8 signing key (PKCS#8) from Apple, e.g. a mounted Kubernetes Secret. */
        Optional<Path> signingKey();

        Optional<String> teamId();

        Optional<String> keyId();

        /** The app's bundle id (apns-topic). */
        Optional<String> topic();

        /** PEM certificates to trust instead of the JVM's CAs (tests against a local APNs server). */
        Optional<Path> trustedCertificates();
    }

    /** FCM HTTP v1 with service-account OAuth2. */
    interface Fcm {
        @WithDefault("false")
        boolean enabled();

        /** The service-account JSON key file, e.g. a mounted Kubernetes Secret. */
        Optional<Path> serviceAccount();

        /** Defaults to the service account's project. */
        Optional<String> projectId();

        @WithDefault("https://fcm.googleapis.com")
        URI endpoint();
    }
}
