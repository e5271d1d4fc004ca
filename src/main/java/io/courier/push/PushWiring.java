package io.courier.push;

import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;

import io.courier.account.CurrentDevices;
import io.courier.account.DeviceRemovalListener;
import io.courier.api.v1.PushPlatform;
import io.courier.cluster.PresenceDirectory;
import io.courier.cluster.RateLimit;
import io.courier.cluster.RateLimiter;
import io.courier.store.Cql;
import io.courier.store.BaselineTables;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.courier.common.ConfigRefusal;

/** CDI wiring of push: tokens, the wake-up scheduler and the senders configured under {@code courier.push}. */
public class PushWiring {
    @Produces
    BaselineTables schema() {
        return PushSchema.TABLES;
    }

    @Produces
    MapConfig wakeUpMap(PushConfig config) {
        // A backup copy: a pending wake-up survives its partition owner dying. Entries outlive the coalescing
        // window; a device that never comes back leaves nothing behind for long.
        int ttl = (int) Math.max(3600, 2 * config.coalesceWindow().toSeconds());
        return new MapConfig(WakeUps.MAP).setBackupCount(1).setInMemoryFormat(InMemoryFormat.OBJECT)
                .setTimeToLiveSeconds(ttl);
    }

    @Produces
    @Singleton
    PushTokens pushTokens(Cql cql) {
        return new PushTokens(cql);
    }

    @Produces
    @Singleton
    PushRegistration pushRegistration(PushTokens tokens, RateLimiter limiter, CurrentDevices current,
            PushConfig config, Clock clock) {
        return new PushRegistration(tokens, limiter, new RateLimit("push token changes by this device",
                config.tokenChangeBurst(), config.tokenChangeRefill()), current, clock);
    }

    /** A removed device's token goes with it: nobody wakes a phone that no longer belongs to the account. */
    @Produces
    @Singleton
    DeviceRemovalListener dropPushTokens(PushTokens tokens) {
        return (UUID accountId, Set<Integer> deviceIds) -> tokens.removeDevices(accountId, deviceIds).toFuture();
    }

    /** Built at startup so its listeners and sweep run from the first stored item, and every meter is scraped. */
    @Produces
    @Singleton
    @Startup
    WakeUps wakeUps(HazelcastInstance hazelcast, RateLimiter limiter, PresenceDirectory presence, PushTokens tokens,
            PushConfig config, MeterRegistry registry, Clock clock) throws Exception {
        Retrying retrying = new Retrying(config.timeout(), config.attempts(), config.backoff());
        Map<PushPlatform, WakeSender> senders = new EnumMap<>(PushPlatform.class);
        PushConfig.Apns apns = config.apns();
        if (apns.enabled()) {
            senders.put(PushPlatform.PUSH_PLATFORM_APNS, new ApnsSender(new ApnsSender.Settings(apns.host(),
                    apns.port(), required(apns.signingKey().map(Path::toFile), "apns.signing-key"),
                    required(apns.teamId(), "apns.team-id"), required(apns.keyId(), "apns.key-id"),
                    required(apns.topic(), "apns.topic"),
                    apns.trustedCertificates().map(Path::toFile).orElse(null)),
                    config.timeout(), config.wakeTtl(), retrying, clock));
        }
        PushConfig.Fcm fcm = config.fcm();
        if (fcm.enabled()) {
            senders.put(PushPlatform.PUSH_PLATFORM_FCM, new FcmSender(required(fcm.serviceAccount(),
                    "fcm.service-account"), fcm.projectId(), fcm.endpoint(), config.timeout(), config.wakeTtl(),
                    retrying));
        }
        RateLimit wakesBySender = new RateLimit("wake-ups of this account by one sender",
                config.wakesPerSenderBurst(), config.wakesPerSenderRefill());
        WakeUps wakeUps = new WakeUps(hazelcast, limiter, wakesBySender, presence, tokens, senders,
                new PushMetrics(registry), clock, config.wakeDelay(), config.coalesceWindow());
        wakeUps.start(config.sweepInterval());
        return wakeUps;
    }

    void stopWakeUps(@Disposes WakeUps wakeUps) {
        wakeUps.close();
    }

    private static <T> T required(Optional<T> value, String key) {
        return value.orElseThrow(() -> new ConfigRefusal("courier.push." + key + " must be set when the"
                + " platform is enabled"));
    }
}
