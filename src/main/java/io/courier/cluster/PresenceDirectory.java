package io.courier.cluster;

import java.util.Optional;

import org.jboss.logging.Logger;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;

/** Cluster-wide device → (node, epoch) map. Entries go on disconnect and when their node leaves the cluster. */
public final class PresenceDirectory {
    static final String MAP = "courier-presence";
    private static final Logger LOG = Logger.getLogger(PresenceDirectory.class);

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

    /** Registers a stream on this node; returns the presence it replaced, if any. */
    public Optional<Presence> register(DeviceAddress device, long epoch) {
        return Optional.ofNullable(presence.put(device.key(), new Presence(localMemberId, epoch)));
    }

    /** Removes the entry only if it still names this stream (a newer stream may have replaced it). */
    public void unregister(DeviceAddress device, long epoch) {
        presence.remove(device.key(), new Presence(localMemberId, epoch));
    }

    public Optional<Presence> lookup(DeviceAddress device) {
        return Optional.ofNullable(presence.get(device.key()));
    }
}
