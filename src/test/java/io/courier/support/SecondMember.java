package io.courier.support;

import java.util.List;
import java.util.Optional;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;

import io.courier.cluster.ClusterConfig;
import io.courier.cluster.GridTypes;
import io.courier.cluster.HazelcastMembers;
import io.courier.messaging.OwnerDuties;
import io.courier.presence.PresenceWire;
import io.courier.local.FreePorts;

/** Starts another real Hazelcast member in the test JVM that joins the node's cluster, like a second node would. */
public final class SecondMember {
    /** The capabilities' wire forms a node registers (besides the cluster's own). */
    public static final List<GridTypes> NODE_TYPES = List.of(OwnerDuties.gridTypes(), PresenceWire.types());

    private SecondMember() {
    }

    public static HazelcastInstance join(HazelcastInstance node, String clusterName, List<MapConfig> maps) {
        String first = node.getCluster().getLocalMember().getAddress().getHost() + ":"
                + node.getCluster().getLocalMember().getAddress().getPort();
        int port = FreePorts.pick();
        return start(clusterName, port, List.of(first, "127.0.0.1:" + port), maps);
    }

    /** A member on 127.0.0.1:{@code port} of {@code clusterName}, joining through {@code seeds}. */
    public static HazelcastInstance start(String clusterName, int port, List<String> seeds, List<MapConfig> maps) {
        return start(clusterName, port, seeds, maps, Optional.empty());
    }

    /** As above, in availability zone {@code zone} (zone-aware backups) if one is given. */
    public static HazelcastInstance start(String clusterName, int port, List<String> seeds, List<MapConfig> maps,
            Optional<String> zone) {
        return HazelcastMembers.start(config(clusterName, port, seeds, zone), maps, NODE_TYPES);
    }

    /** A member's settings: on 127.0.0.1:{@code port}, joining through {@code seeds}, zone-aware with a zone. */
    public static ClusterConfig config(String clusterName, int port, List<String> seeds, Optional<String> zone) {
        return new ClusterConfig() {
            @Override
            public String name() {
                return clusterName;
            }

            @Override
            public int port() {
                return port;
            }

            @Override
            public List<String> members() {
                return seeds;
            }

            @Override
            public Optional<String> kubernetesServiceDns() {
                return Optional.empty();
            }

            @Override
            public Optional<String> bindAddress() {
                return Optional.of("127.0.0.1");
            }

            @Override
            public Optional<String> zone() {
                return zone;
            }

            @Override
            public boolean zoneAware() {
                return zone.isPresent();
            }

            @Override
            public int partitions() {
                return Integer.parseInt(DEFAULT_PARTITIONS);
            }
        };
    }
}
