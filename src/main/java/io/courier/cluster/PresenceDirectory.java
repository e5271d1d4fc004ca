package io.courier.cluster;

import java.io.Serializable;
import java.util.Map;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.query.Predicates;

import reactor.core.publisher.Mono;

/**
 * Cluster-wide device → (node, epoch) map. Entries go on disconnect and when their node leaves the cluster. Epochs
 * order a device's streams: a stream registers only over an older epoch, so the newest connection wins whatever order
 * nodes process them in.
 */
public final class PresenceDirectory {
    static final String MAP = "courier-presence";
    private static final Logger LOG = Logger.getLogger(PresenceDirectory.class);

    /** What a registration did: {@code won} with the presence it replaced (if any), or lost to {@code newer}. */
    public record Registration(boolean won, Presence other) implements Serializable {
    }

    private final IMap<String, Presence> presence;
    private final String localMemberId;

    public PresenceDirectory(HazelcastInstance hazelcast) {
        this.presence = hazelcast.getMap(MAP);
        this.localMemberId = hazelcast.getCluster().getLocalMember().getUuid().toString();
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                // nothing to do: devices register when they connect
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                String gone = event.getMember().getUuid().toString();
                // Every remaining member runs this; removal is idempotent.
                presence.removeAll(Predicates.equal("memberId", gone));
                LOG.infof("Cluster member %s left; its devices are offline until they reconnect", gone);
            }
        });
    }

    public String localMemberId() {
        return localMemberId;
    }

    /** Registers a stream of this node unless a stream with a newer epoch holds the device. */
    public Mono<Registration> register(DeviceAddress device, long epoch) {
        return Mono.fromCompletionStage(() -> presence.submitToKey(device.key(),
                new RegisterIfNewer(new Presence(localMemberId, epoch))));
    }

    /** Removes the entry only if it still names this stream (a newer stream may have replaced it). */
    public Mono<Void> unregister(DeviceAddress device, long epoch) {
        return Mono.fromCompletionStage(() -> presence.submitToKey(device.key(),
                new RemoveIfSame(new Presence(localMemberId, epoch)))).then();
    }

    public Mono<Presence> lookup(DeviceAddress device) {
        return Mono.fromCompletionStage(() -> presence.getAsync(device.key()));
    }

    /**
     * Tells {@code connected} of every stream that registers a device whose presence entry this member owns (its
     * Hazelcast partition), on an event thread. State kept under the same key lives on the same member.
     */
    public void onLocalConnect(Consumer<DeviceAddress> connected) {
        presence.addLocalEntryListener(new ConnectListener(connected));
    }

    private record ConnectListener(Consumer<DeviceAddress> connected)
            implements EntryAddedListener<String, Presence>, EntryUpdatedListener<String, Presence> {
        @Override
        public void entryAdded(EntryEvent<String, Presence> event) {
            connected.accept(DeviceAddress.fromKey(event.getKey()));
        }

        @Override
        public void entryUpdated(EntryEvent<String, Presence> event) {
            connected.accept(DeviceAddress.fromKey(event.getKey()));
        }
    }

    /** Runs on the key's partition owner: the compare and the set are one step. */
    record RegisterIfNewer(Presence candidate) implements EntryProcessor<String, Presence, Registration> {
        @Override
        public Registration process(Map.Entry<String, Presence> entry) {
            Presence current = entry.getValue();
            if (current != null && current.epoch() > candidate.epoch()) {
                return new Registration(false, current);
            }
            entry.setValue(candidate);
            return new Registration(true, current);
        }
    }

    record RemoveIfSame(Presence expected) implements EntryProcessor<String, Presence, Boolean> {
        @Override
        public Boolean process(Map.Entry<String, Presence> entry) {
            if (expected.equals(entry.getValue())) {
                entry.setValue(null);
                return true;
            }
            return false;
        }
    }
}
