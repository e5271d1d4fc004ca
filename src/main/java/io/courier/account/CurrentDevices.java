package io.courier.account;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;

import io.courier.common.AuthenticatedDevice;
import io.courier.common.Rejections;
import reactor.core.publisher.Mono;

/**
 * Whether an authenticated device is still current: its row exists with the generation it authenticated with.
 * Streams ask before every frame, so answers are cached on the node; a removal drops them here at once and on every
 * other member through a cluster topic, and an entry lives at most {@link #TTL_NANOS} in case a topic message is
 * lost. Writes that must not outlive a revocation ask {@link #isCurrentNow} instead, which reads the database.
 */
public final class CurrentDevices implements DeviceRemovalListener {
    static final String TOPIC = "courier-device-removals";
    private static final long TTL_NANOS = 30_000_000_000L;
    /** Per node; at the limit the cache is dropped whole (a few database reads, never a wrong answer). */
    private static final int MAX_ENTRIES = 200_000;

    private record Cached(long generation, long expiresAtNanos) {
    }

    private final DeviceStore devices;
    private final ITopic<String> removals;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** Bumped by every removal: a read that started before one must not cache what it read. */
    private final AtomicLong removalsSeen = new AtomicLong();

    CurrentDevices(DeviceStore devices, HazelcastInstance hazelcast) {
        this.devices = devices;
        // Plain strings on the topic: nothing to deserialize but text.
        this.removals = hazelcast.getTopic(TOPIC);
        removals.addMessageListener(message -> forget(message.getMessageObject()));
    }

    /** The refusal of a device that is no longer current. */
    public static RuntimeException notCurrent() {
        return Rejections.unauthenticated("this device was revoked or replaced by a new registration of the number");
    }

    /** Cached: a hit completes at once on the caller's thread. */
    public Mono<Boolean> isCurrent(AuthenticatedDevice device) {
        return Mono.defer(() -> {
            Cached cached = cache.get(key(device.accountId(), device.deviceId()));
            if (cached != null && cached.expiresAtNanos() - System.nanoTime() > 0) {
                return Mono.just(cached.generation() == device.generation());
            }
            long seen = removalsSeen.get();
            return devices.find(device.accountId(), device.deviceId()).map(row -> {
                remember(device, row.generation(), seen);
                return row.generation() == device.generation();
            }).defaultIfEmpty(false);
        });
    }

    /** From the database, for checks that must see a removal that has just completed. */
    public Mono<Boolean> isCurrentNow(AuthenticatedDevice device) {
        return devices.find(device.accountId(), device.deviceId())
                .map(row -> row.generation() == device.generation()).defaultIfEmpty(false);
    }

    private void remember(AuthenticatedDevice device, long generation, long seenBefore) {
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
        }
        String key = key(device.accountId(), device.deviceId());
        cache.put(key, new Cached(generation, System.nanoTime() + TTL_NANOS));
        if (removalsSeen.get() != seenBefore) {
            cache.remove(key); // a removal may have landed after the read: don't keep what it read
        }
    }

    @Override
    public CompletionStage<Void> devicesRemoved(UUID accountId, Set<Integer> deviceIds) {
        String message = deviceIds.stream().map(id -> key(accountId, id)).collect(Collectors.joining(","));
        forget(message);
        return removals.publishAsync(message);
    }

    private void forget(String keys) {
        removalsSeen.incrementAndGet();
        for (String key : keys.split(",")) {
            cache.remove(key);
        }
    }

    private static String key(UUID accountId, int deviceId) {
        return accountId + ":" + deviceId;
    }
}
