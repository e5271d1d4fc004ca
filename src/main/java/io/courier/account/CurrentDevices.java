package io.courier.account;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
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
 * lost. An entry in its second half is read again in the background while it still answers, so a busy stream's
 * frames wait on the database only when that read took longer than half the lifetime: without it every stream's
 * next frame after the lifetime waited for a read, in the same queue as a reconnect storm's reads. Writes that must
 * not outlive a revocation ask {@link #isCurrentNow} instead, which reads the database.
 */
public final class CurrentDevices implements DeviceRemovalListener {
    static final String TOPIC = "courier-device-removals";
    static final long TTL_NANOS = 30_000_000_000L;
    /** Per node; at the limit the cache is dropped whole (a few database reads, never a wrong answer). */
    private static final int MAX_ENTRIES = 200_000;

    /** A device's generation from the database; empty if the account has no such device. */
    @FunctionalInterface
    interface Generations {
        Mono<Long> of(UUID accountId, int deviceId);
    }

    private record Cached(long generation, long expiresAtNanos) {
    }

    private final Generations generations;
    private final ITopic<String> removals;
    private final LongSupplier nanoTime;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** Entries being read again ahead of their end: one read per entry at a time. */
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    /** Bumped by every removal: a read that started before one must not cache what it read. */
    private final AtomicLong removalsSeen = new AtomicLong();

    CurrentDevices(DeviceStore devices, HazelcastInstance hazelcast) {
        // Plain strings on the topic: nothing to deserialize but text.
        this((accountId, deviceId) -> devices.find(accountId, deviceId).map(DeviceRecord::generation),
                hazelcast.getTopic(TOPIC), System::nanoTime);
    }

    CurrentDevices(Generations generations, ITopic<String> removals, LongSupplier nanoTime) {
        this.generations = generations;
        this.removals = removals;
        this.nanoTime = nanoTime;
        removals.addMessageListener(message -> forget(message.getMessageObject()));
    }

    /** The refusal of a device that is no longer current. */
    public static RuntimeException notCurrent() {
        return Rejections.unauthenticated("this device was revoked or replaced by a new registration of the number");
    }

    /** Cached: a hit completes at once on the caller's thread. */
    public Mono<Boolean> isCurrent(AuthenticatedDevice device) {
        return Mono.defer(() -> {
            String key = key(device.accountId(), device.deviceId());
            Cached cached = cache.get(key);
            long left = cached == null ? 0 : cached.expiresAtNanos() - nanoTime.getAsLong();
            if (left <= 0) {
                return read(device, key);
            }
            if (left < TTL_NANOS / 2 && refreshing.add(key)) {
                read(device, key).doFinally(signal -> refreshing.remove(key)).subscribe(null, error -> {
                    // the entry answers until its end; after it the next frame reads, and sees the error
                });
            }
            return Mono.just(cached.generation() == device.generation());
        });
    }

    private Mono<Boolean> read(AuthenticatedDevice device, String key) {
        long seen = removalsSeen.get();
        return generations.of(device.accountId(), device.deviceId()).map(generation -> {
            remember(key, generation, seen);
            return generation == device.generation();
        }).switchIfEmpty(Mono.fromSupplier(() -> {
            cache.remove(key); // gone: a cached answer of an earlier read must not outlive the row
            return false;
        }));
    }

    /** From the database, for checks that must see a removal that has just completed. */
    public Mono<Boolean> isCurrentNow(AuthenticatedDevice device) {
        return generations.of(device.accountId(), device.deviceId())
                .map(generation -> generation == device.generation()).defaultIfEmpty(false);
    }

    private void remember(String key, long generation, long seenBefore) {
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
        }
        cache.put(key, new Cached(generation, nanoTime.getAsLong() + TTL_NANOS));
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
