package io.courier.push;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.query.Predicates;

import io.courier.api.v1.PushPlatform;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.PresenceDirectory;
import io.courier.cluster.RateLimit;
import io.courier.cluster.RateLimiter;
import reactor.core.publisher.Mono;

/**
 * Wakes devices that have something waiting and no stream. A store for such a device marks it pending in a
 * Hazelcast map keyed like its presence entry (one partition-owner operation, off the sender's path); the member
 * owning that partition schedules the wake-up {@code wake-delay} later, and then sends it only if the device has
 * still not connected. At most one per device per {@code coalesce-window}; a device connecting clears its state,
 * so the next store after it disconnects wakes it again at once. The map has a backup: when a member dies, the
 * member that takes its partitions finds the pending wake-ups in its periodic sweep, so they are late, not lost.
 *
 * <p>A wake-up that another account's message would start costs that sender one unit of a cluster-wide budget per
 * (sender, woken account), so a stranger can't keep a phone waking: only stores that would make the device pending
 * are charged (not those the window coalesces), and a refused one leaves the device free for other senders.
 */
public final class WakeUps implements AutoCloseable {
    static final String MAP = "courier-wakeups";
    private static final Logger LOG = Logger.getLogger(WakeUps.class);

    private final IMap<String, WakeState> states;
    private final RateLimiter limiter;
    private final RateLimit wakesBySender;
    private final PresenceDirectory presence;
    private final PushTokens tokens;
    private final Map<PushPlatform, WakeSender> senders;
    private final PushMetrics metrics;
    private final Clock clock;
    private final long delayMillis;
    private final long windowMillis;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "courier-wakeups");
        thread.setDaemon(true);
        return thread;
    });

    WakeUps(HazelcastInstance hazelcast, RateLimiter limiter, RateLimit wakesBySender, PresenceDirectory presence,
            PushTokens tokens, Map<PushPlatform, WakeSender> senders, PushMetrics metrics, Clock clock,
            Duration delay, Duration window) {
        this.states = hazelcast.getMap(MAP);
        this.limiter = limiter;
        this.wakesBySender = wakesBySender;
        this.presence = presence;
        this.tokens = tokens;
        this.senders = senders;
        this.metrics = metrics;
        this.clock = clock;
        this.delayMillis = delay.toMillis();
        this.windowMillis = window.toMillis();
    }

    /** Starts scheduling the wake-ups of the partitions this member owns, and sweeping them every interval. */
    void start(Duration sweepInterval) {
        states.addLocalEntryListener(new Pending());
        presence.onLocalConnect(device -> states.removeAsync(device.key()));
        timer.scheduleWithFixedDelay(this::sweep, sweepInterval.toMillis(), sweepInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Call once an item is durable for a device that has no live stream. Never fails its caller and never waits:
     * the item is safe in the inbox whatever happens here.
     *
     * @param sender the account whose message it is, charged if it is another account's; empty for items no
     *     account sent this way (group changes, limited where they are made)
     */
    public void stored(DeviceAddress device, Optional<UUID> sender) {
        long now = clock.millis();
        Mono.fromCompletionStage(() -> states.getAsync(device.key()))
                .map(state -> WakeState.wakes(state, now, windowMillis))
                .defaultIfEmpty(true)
                // Coalesced ones cost nothing; a refused charge marks nothing (empty).
                .flatMap(wakes -> !wakes ? Mono.just(false) : charge(device, sender).filter(Boolean::booleanValue)
                        .flatMap(charged -> Mono.fromCompletionStage(() -> states.submitToKey(device.key(),
                                new WakeState.MarkPending(now, windowMillis)))))
                .subscribe(marked -> {
                    if (!marked) {
                        metrics.skipped("coalesced").increment();
                    }
                }, e -> LOG.debugf("Wake-up for %s not marked: %s", device, e.toString()));
    }

    /** Takes the wake-up from the sender's budget for the device's account; false (and counted) if refused. */
    private Mono<Boolean> charge(DeviceAddress device, Optional<UUID> sender) {
        if (sender.isEmpty() || sender.get().equals(device.accountId())) {
            return Mono.just(true);
        }
        return limiter.tryAcquire(wakesBySender, sender.get() + ">" + device.accountId()).map(waitMillis -> {
            if (waitMillis > 0) {
                metrics.skipped("sender_budget").increment();
            }
            return waitMillis == 0;
        });
    }

    /** Events of this member's partitions: a device that became pending gets its timer. */
    private final class Pending implements EntryAddedListener<String, WakeState>,
            EntryUpdatedListener<String, WakeState> {
        @Override
        public void entryAdded(EntryEvent<String, WakeState> event) {
            schedule(event.getKey(), event.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, WakeState> event) {
            schedule(event.getKey(), event.getValue());
        }
    }

    private void schedule(String key, WakeState state) {
        if (state != null && state.pending()) {
            long wait = state.pendingSince() + delayMillis - clock.millis();
            timer.schedule(() -> fire(key), Math.max(0, wait), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Pending wake-ups of this member's partitions that are due: those whose timer ran on a member now gone. The
     * predicate runs on the stored objects, so entries that only hold a last-sent time are not copied out.
     */
    private void sweep() {
        states.localKeySet(Predicates.between("pendingSince", 1L, clock.millis() - delayMillis))
                .forEach(this::fire);
    }

    /** Drops the wake-up if the device connected meanwhile; else takes it (once, whoever fires) and sends it. */
    private void fire(String key) {
        DeviceAddress device = DeviceAddress.fromKey(key);
        presence.lookup(device).hasElement()
                .flatMap(online -> {
                    if (online) {
                        metrics.skipped("online").increment();
                        return Mono.fromCompletionStage(() -> states.removeAsync(key)).then();
                    }
                    return Mono.fromCompletionStage(() -> states.submitToKey(key,
                                    new WakeState.TakePending(clock.millis())))
                            .filter(since -> since != 0)
                            .flatMap(since -> send(device, since));
                })
                .subscribe(null, e -> LOG.warnf("Wake-up for %s failed: %s", device, e.toString()));
    }

    private Mono<Void> send(DeviceAddress device, long pendingSince) {
        return tokens.find(device)
                .switchIfEmpty(Mono.fromRunnable(() -> metrics.skipped("no_token").increment()))
                .flatMap(token -> {
                    WakeSender sender = senders.get(token.platform());
                    if (sender == null) {
                        metrics.skipped("platform_off").increment();
                        return Mono.empty();
                    }
                    metrics.requested(clock.millis() - pendingSince);
                    return sender.wake(token.token()).flatMap(result -> settle(device, token, result));
                });
    }

    private Mono<Void> settle(DeviceAddress device, PushToken token, WakeResult result) {
        metrics.sent(token.platform(), result.outcome()).increment();
        if (result instanceof WakeResult.InvalidToken invalid) {
            return tokens.removeIfSame(device, token)
                    .doOnNext(removed -> LOG.debugf("Push token of %s rejected (%s); removed: %s", device,
                            invalid.reason(), removed))
                    .then();
        }
        if (result instanceof WakeResult.Failed failed) {
            LOG.infof("Wake-up of %s by %s failed: %s", device, token, failed.reason());
        }
        return Mono.empty();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        senders.values().forEach(WakeSender::close);
    }
}
