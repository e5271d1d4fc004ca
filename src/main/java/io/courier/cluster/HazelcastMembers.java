package io.courier.cluster;

import java.util.List;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

/** Builds and starts the embedded Hazelcast member from {@link ClusterConfig}. */
public final class HazelcastMembers {
    private HazelcastMembers() {
    }

    /** @param capabilityMaps maps that capabilities configure themselves (near caches, expiry) */
    public static HazelcastInstance start(ClusterConfig cluster, List<MapConfig> capabilityMaps) {
        Config config = new Config();
        // Courier's own types (presence values, bus messages, entry processors) are deserialized on Hazelcast's
        // threads, which otherwise don't see the application's class loader.
        config.setClassLoader(HazelcastMembers.class.getClassLoader());
        config.setClusterName(cluster.name());
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "jdk");
        config.setProperty("hazelcast.discovery.enabled", "false");
        // Near caches hold device lists: send each invalidation at once instead of in batches every 10 s, so
        // other nodes learn of a revoked device within a network round trip.
        config.setProperty("hazelcast.map.invalidation.batch.enabled", "false");
        config.getNetworkConfig().setPort(cluster.port()).setPortAutoIncrement(true);
        cluster.bindAddress().ifPresent(address -> {
            config.setProperty("hazelcast.local.localAddress", address);
            config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(address);
        });
        JoinConfig join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (cluster.kubernetesServiceDns().isPresent()) {
            join.getKubernetesConfig().setEnabled(true)
                    .setProperty("service-dns", cluster.kubernetesServiceDns().get());
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
        }
        config.addMapConfig(new MapConfig(RateLimiter.MAP).setBackupCount(1));
        config.addMapConfig(new MapConfig(PresenceDirectory.MAP).setBackupCount(1));
        capabilityMaps.forEach(config::addMapConfig);
        config.addFlakeIdGeneratorConfig(ServerIds.config());
        return Hazelcast.newHazelcastInstance(config);
    }
}
