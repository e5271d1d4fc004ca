package io.courier.presence;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Function;

import org.jboss.logging.Logger;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.PresenceEvent;
import io.courier.cluster.BusMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.Presence;
import io.courier.common.BoundedLog;
import io.courier.common.Ids;
import io.courier.presence.AccountWatch.Transition;
import io.courier.presence.AccountWatch.Watcher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Online / last seen across the cluster. One Hazelcast map entry per account that is online or watched, on the
 * account's partition owner: its devices with a stream and the device streams watching it. A transition (first
 * device connected, last device left) is decided there and told only to the nodes holding the watching streams,
 * over the node bus: no broadcast, so the cost of a connect or disconnect is one entry operation plus one bus
 * message per (visible) watcher, whatever the cluster size. An offline transition stores the last-seen time, unless
 * this node stored one for the account less than the granularity before ({@link RecentLastSeen}).
 */
public final class OnlineWatch {
    static final String MAP = "courier-online";
    private static final Logger LOG = Logger.getLogger(OnlineWatch.class);
    /**
     * Last-seen writes time out together when the database is overloaded, one per account going offline: one line
     * a minute says so, counting the rest.
     */
    private static final BoundedLog LAST_SEEN_FAILURES = new BoundedLog(LOG, Duration.ofMinutes(1), 1,
            Duration.ofMinutes(1));
    /** Watchers told at once of one transition. */
    private static final int CONCURRENCY = 64;

    private final IMap<UUID, AccountWatch> accounts;
    private final NodeBus bus;
    private final PrivacyDirectory privacy;
    private final LastSeenStore lastSeen;
    private final RecentLastSeen recentLastSeen;
    private final Function<UUID, Mono<Boolean>> registered;
    private final Clock clock;
    private final int maxWatchers;

    /** Accounts whose stored last-seen time this node remembers, at most (see {@link RecentLastSeen}). */
    private static final int RECENT_LAST_SEEN = 200_000;

    /**
     * @param registered whether an account still exists: a deleted account's last stream closing stores nothing
     * @param lastSeenGranularity how close to the last-seen time this node stored an account's next one may be and
     *        still not be written
     */
    OnlineWatch(HazelcastInstance hazelcast, NodeBus bus, PrivacyDirectory privacy, LastSeenStore lastSeen,
            Duration lastSeenGranularity, Function<UUID, Mono<Boolean>> registered, Clock clock, int maxWatchers) {
        this.accounts = hazelcast.getMap(MAP);
        this.bus = bus;
        this.privacy = privacy;
        this.lastSeen = lastSeen;
        this.recentLastSeen = new RecentLastSeen(lastSeenGranularity, RECENT_LAST_SEEN);
        this.registered = registered;
        this.clock = clock;
        this.maxWatchers = maxWatchers;
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                // nothing to do: streams register when they open
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                // One member (the oldest left) sweeps the whole map, after the dead member's partitions moved.
                if (hazelcast.getCluster().getMembers().iterator().next().localMember()) {
                    dropMember(event.getMember().getUuid().toString());
                }
            }
        });
    }

    /** Backed up: a partition owner dying keeps who is online and who watches. */
    static MapConfig mapConfig() {
        return new MapConfig(MAP).setBackupCount(1).setInMemoryFormat(InMemoryFormat.OBJECT);
    }

    /** A device's stream registered its presence. */
    public Mono<Void> connected(DeviceAddress device, Presence stream) {
        return Mono.fromCompletionStage(() -> accounts.submitToKey(device.accountId(),
                new WatchOperations.Connected(device.deviceId(), stream)))
                .flatMap(transition -> announce(device.accountId(), transition));
    }

    /** A device's stream ended (epoch-guarded: a newer stream of the device keeps the account online). */
    public Mono<Void> disconnected(DeviceAddress device, Presence stream) {
        return Mono.fromCompletionStage(() -> accounts.submitToKey(device.accountId(),
                new WatchOperations.Disconnected(device.deviceId(), stream)))
                .flatMap(transition -> announce(device.accountId(), transition));
    }

    /** Adds a watching stream; completes with whether the account is online now. */
    Mono<Boolean> watch(UUID account, DeviceAddress watcher, Presence stream) {
        return Mono.fromCompletionStage(() -> accounts.submitToKey(account,
                new WatchOperations.Watch(watcher, stream, maxWatchers)));
    }

    Mono<Void> unwatch(UUID account, DeviceAddress watcher, Presence stream) {
        return Mono.fromCompletionStage(() -> accounts.submitToKey(account,
                new WatchOperations.Unwatch(watcher, stream))).then();
    }

    /** What {@code viewer} may see of {@code subject}: its state if visible, else "nothing to show". */
    Mono<PresenceEvent> view(UUID viewer, UUID subject, boolean online) {
        return visible(viewer, subject, state(subject, online));
    }

    private Mono<PresenceEvent> visible(UUID viewer, UUID subject, Mono<PresenceEvent> state) {
        return privacy.presenceVisible(viewer, subject)
                .flatMap(visible -> visible ? state : Mono.just(unknown(subject)));
    }

    /** The subject's state as anyone allowed to see it sees it (offline: its last seen, one read). */
    private Mono<PresenceEvent> state(UUID subject, boolean online) {
        return online ? Mono.just(online(subject))
                : lastSeen.find(subject).map(seen -> offline(subject, seen)).defaultIfEmpty(unknown(subject));
    }

    /**
     * Sends every stream watching {@code account} what it may see of it now: after a block, an unblock or a change
     * of its presence setting or contact list, so live subscriptions follow at once.
     */
    Mono<Void> refresh(UUID account) {
        return Mono.fromCompletionStage(() -> accounts.getAsync(account)).flatMapMany(watch -> {
            Mono<PresenceEvent> state = state(account, watch.online()).cache(); // one last-seen read for all
            return Flux.fromIterable(watch.watcherList())
                    .flatMap(w -> visible(w.device().accountId(), account, state).flatMap(e -> tell(w, frame(e))),
                            CONCURRENCY);
        }).then();
    }

    /**
     * Has every stream of {@code account} send its own subscriptions' state again: after the account's presence
     * setting or contact list changed, which also decide what it sees of others (visibility works both ways).
     */
    Mono<Void> refreshViewsOf(UUID account) {
        return Mono.fromCompletionStage(() -> accounts.getAsync(account)).flatMapMany(watch -> Flux
                .fromIterable(watch.devices().entrySet()))
                .flatMap(device -> bus.publish(device.getValue().memberId(), new BusMessage.Refresh(
                        new DeviceAddress(account, device.getKey()), device.getValue().epoch()))
                        .onErrorResume(e -> Mono.empty()))
                .then();
    }

    /** A deleted account's last-seen time goes. */
    Mono<Void> forget(UUID account) {
        recentLastSeen.forget(account);
        return lastSeen.forget(account);
    }

    /** Whether the account has a device with a stream now. */
    Mono<Boolean> isOnline(UUID account) {
        return Mono.fromCompletionStage(() -> accounts.getAsync(account)).map(AccountWatch::online)
                .defaultIfEmpty(false);
    }

    private Mono<Void> announce(UUID account, Transition transition) {
        if (transition.online()) {
            return tellWatchers(account, transition, frame(online(account)));
        }
        RecentLastSeen.Offline seen = recentLastSeen.offline(account, clock.instant());
        Mono<Void> stored = !seen.write() ? Mono.empty() : registered.apply(account)
                .filter(Boolean::booleanValue).flatMap(exists -> lastSeen.record(account, seen.seen())
                        .then(Mono.fromRunnable(() -> recentLastSeen.stored(account, seen.seen()))))
                .onErrorResume(e -> {
                    LAST_SEEN_FAILURES.log(Logger.Level.WARN, "last seen",
                            () -> "Last seen of account " + account + " not stored: " + e);
                    return Mono.empty();
                }).then();
        return stored.then(tellWatchers(account, transition, frame(offline(account, seen.seen()))));
    }

    private Mono<Void> tellWatchers(UUID account, Transition transition, byte[] frame) {
        // Watchers who may not see the account hear nothing: even an "unknown" would reveal the transition.
        return Flux.fromIterable(transition.watchers()).flatMap(w -> privacy
                .presenceVisible(w.device().accountId(), account).filter(Boolean::booleanValue)
                .flatMap(visible -> tell(w, frame)), CONCURRENCY).then();
    }

    private static byte[] frame(PresenceEvent event) {
        return ConnectResponse.newBuilder().setPresence(event).build().toByteArray();
    }

    private Mono<Void> tell(Watcher watcher, byte[] frame) {
        return bus.publish(watcher.stream().memberId(),
                new BusMessage.Notice(watcher.device(), watcher.stream().epoch(), frame))
                .onErrorResume(e -> Mono.empty()); // best effort, like every ephemeral frame
    }

    private void dropMember(String memberId) {
        // executeOnEntries has no asynchronous form: it waits on a thread of its own, never on Hazelcast's.
        Mono.fromCallable(() -> accounts.executeOnEntries(new WatchOperations.DropMember(memberId)))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMapMany(results -> Flux.fromIterable(results.entrySet()))
                .filter(e -> e.getValue() != null)
                .flatMap(e -> announce(e.getKey(), e.getValue()), CONCURRENCY)
                .subscribe(null, e -> LOG.warnf("Presence of member %s not cleaned up: %s", memberId, e.toString()));
    }

    static PresenceEvent online(UUID account) {
        return PresenceEvent.newBuilder().setAccountId(Ids.bytes(account)).setOnline(true).build();
    }

    static PresenceEvent offline(UUID account, Instant seen) {
        return PresenceEvent.newBuilder().setAccountId(Ids.bytes(account)).setLastSeenMs(seen.toEpochMilli()).build();
    }

    static PresenceEvent unknown(UUID account) {
        return PresenceEvent.newBuilder().setAccountId(Ids.bytes(account)).build();
    }
}
