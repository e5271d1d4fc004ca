package io.courier.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.hazelcast.config.Config;
import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.PartitionGroupConfig;
import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.cluster.ClusterService;
import com.hazelcast.internal.partition.IPartition;
import com.hazelcast.internal.partition.IPartitionService;
import com.hazelcast.spi.impl.NodeEngine;
import com.hazelcast.spi.partitiongroup.PartitionGroupMetaData;

import io.courier.common.ConfigRefusal;

/** Builds and starts the embedded Hazelcast member from {@link ClusterConfig}. */
public final class HazelcastMembers {
    private static final Logger LOG = Logger.getLogger(HazelcastMembers.class);
    /** The prefix of the classes Courier puts in maps and on the bus. */
    public static final String COURIER_TYPES = "io.courier.";
    /** The member attribute that names a member's wire forms ({@link GridTypes#wireForm}). */
    static final String WIRE_FORM = "courier.wire-form";

    private HazelcastMembers() {
    }

    /**
     * @param capabilityMaps maps that capabilities configure themselves (near caches, expiry)
     * @param types wire forms of capabilities' grid types (the cluster's own are added here)
     */
    public static HazelcastInstance start(ClusterConfig cluster, List<MapConfig> capabilityMaps,
            List<GridTypes> types) {
        Config config = new Config();
        // Courier's own types (presence values, bus messages, entry processors) are deserialized on Hazelcast's
        // threads, which otherwise don't see the application's class loader.
        config.setClassLoader(HazelcastMembers.class.getClassLoader());
        config.setClusterName(cluster.name());
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "jdk");
        config.setProperty("hazelcast.discovery.enabled", "false");
        if (cluster.partitions() < 1) {
            throw new ConfigRefusal("courier.cluster.partitions is " + cluster.partitions()
                    + "; it must be at least 1 (Hazelcast's default is 271)");
        }
        // Only when not Hazelcast's default: its join check compares the property as written, so a member that set
        // "271" could not join one that left it unset (an older release, which the wire-form check below then
        // refuses with the advice that fits).
        if (cluster.partitions() != Integer.parseInt(ClusterConfig.DEFAULT_PARTITIONS)) {
            config.setProperty("hazelcast.partition.count", String.valueOf(cluster.partitions()));
        }
        // Near caches hold device lists: send each invalidation at once instead of in batches every 10 s, so
        // other nodes learn of a revoked device within a network round trip.
        config.setProperty("hazelcast.map.invalidation.batch.enabled", "false");
        // A write whose backup did not confirm fails instead of passing as done: device queues count an item as
        // held by two members only when both have it.
        config.setProperty("hazelcast.operation.fail.on.indeterminate.state", "true");
        // Members only: with the advanced network config and no client endpoint, nothing can connect to the member
        // port as a Hazelcast client (which could read and write every map and topic).
        AdvancedNetworkConfig network = config.getAdvancedNetworkConfig().setEnabled(true);
        ServerSocketEndpointConfig members = new ServerSocketEndpointConfig();
        members.setPort(cluster.port()).setPortAutoIncrement(true);
        cluster.bindAddress().ifPresent(address -> {
            config.setProperty("hazelcast.local.localAddress", address);
            members.getInterfaces().setEnabled(true).addInterface(address);
        });
        network.setMemberEndpointConfig(members);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (cluster.kubernetesServiceDns().isPresent()) {
            join.getKubernetesConfig().setEnabled(true)
                    .setProperty("service-dns", cluster.kubernetesServiceDns().get());
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
        }
        // Java deserialization only of Courier's own types and the JDK's (Hazelcast's default list of known
        // gadget classes stays blocked): a forged packet can't instantiate an arbitrary class on the classpath.
        config.getSerializationConfig().setJavaSerializationFilterConfig(new JavaSerializationFilterConfig()
                .setWhitelist(new ClassFilter().addPrefixes(COURIER_TYPES)));
        List<GridTypes> all = GridTypes.withCluster(types);
        all.forEach(t -> t.serializers().forEach(config.getSerializationConfig()::addSerializerConfig));
        all.forEach(t -> t.operations().forEach(config.getSerializationConfig()::addDataSerializableFactory));
        String wireForm = GridTypes.wireForm(all);
        config.getMemberAttributeConfig().setAttribute(WIRE_FORM, wireForm);
        if (cluster.zoneAware() && cluster.zone().isEmpty()) {
            throw new ConfigRefusal("courier.cluster.zone-aware is on but this member names no zone"
                    + " (courier.cluster.zone / COURIER_CLUSTER_ZONE; the chart reads the pod label"
                    + " topology.kubernetes.io/zone, which this pod lacks)");
        }
        cluster.zone().ifPresent(zone -> {
            config.getMemberAttributeConfig().setAttribute(PartitionGroupMetaData.PARTITION_GROUP_ZONE, zone);
            config.getPartitionGroupConfig().setEnabled(true)
                    .setGroupType(PartitionGroupConfig.MemberGroupType.ZONE_AWARE);
        });
        config.addMapConfig(RateLimiter.mapConfig());
        config.addMapConfig(BackoffLimiter.mapConfig());
        config.addMapConfig(new MapConfig(PresenceDirectory.MAP).setBackupCount(1));
        capabilityMaps.forEach(config::addMapConfig);
        config.addFlakeIdGeneratorConfig(ServerIds.config());
        config.addFlakeIdGeneratorConfig(StreamEpochs.config());
        long started = System.nanoTime();
        // Joins as a lite member (one that owns no partitions) until the wire forms are checked: nothing migrates
        // to a member that then leaves, so a refused one costs the cluster no partition churn.
        config.setLiteMember(true);
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        refuseOtherWireForms(member, wireForm);
        try {
            member.getCluster().promoteLocalLiteMember();
        } catch (RuntimeException e) {
            member.getLifecycleService().terminate(); // not left behind as a lite member
            throw e;
        }
        LOG.infof("Cluster member %s up in %.1f s: %d member(s) in cluster %s",
                member.getCluster().getLocalMember().getAddress(), (System.nanoTime() - started) / 1e9,
                member.getCluster().getMembers().size(), cluster.name());
        return member;
    }

    /**
     * Leaves the cluster at once if a member there writes grid data in other wire forms (another release): neither
     * could read what the other holds or sends. Checked by the member that joins, while it is still a lite member,
     * so the others keep serving as if it never came. Only at start: a member that formed a cluster of its own and
     * merges into another after a split is not checked again.
     */
    private static void refuseOtherWireForms(HazelcastInstance member, String wireForm) {
        List<String> others = member.getCluster().getMembers().stream()
                .filter(m -> !m.localMember() && !wireForm.equals(m.getAttribute(WIRE_FORM)))
                .map(m -> m.getAddress() + " (" + Optional.ofNullable(m.getAttribute(WIRE_FORM))
                        .orElse("none named: an older release") + ")")
                .toList();
        if (!others.isEmpty()) {
            String cluster = member.getConfig().getClusterName();
            member.getLifecycleService().terminate();
            throw new ConfigRefusal("this release's grid wire forms (" + wireForm + ") differ from those of members "
                    + String.join(", ", others) + " of cluster " + cluster + ": move across releases with a full"
                    + " restart (scale to 0, then up), not a rolling update (README, Helm)");
        }
    }

    /**
     * How many members could hold a partition's copies apart: the zones, when members name theirs (Hazelcast then
     * puts no backup in its primary's zone, so all members in one zone means no backups at all), else the members.
     */
    public static long backupGroups(Collection<Member> members) {
        return members.stream()
                .map(m -> Optional.ofNullable(m.getAttribute(PartitionGroupMetaData.PARTITION_GROUP_ZONE))
                        .orElseGet(() -> m.getUuid().toString()))
                .distinct().count();
    }

    /**
     * Whether every partition has its owner and its first backup on members of the cluster and no migration is
     * under way (a backup being filled is not a copy yet): read from this member's partition table, plus one
     * question to the master about migrations it has planned. Not {@code PartitionService.isClusterSafe()}: each
     * call of that makes every member check every partition it owns against its backup's replica versions (one grid
     * operation per partition, on the partition threads the device queues run on), and each member asked it twice a
     * second. Backups that drift are Hazelcast's own periodic anti-entropy's to repair; a write whose backup didn't
     * confirm fails on its own ({@code hazelcast.operation.fail.on.indeterminate.state}).
     */
    public static boolean everyPartitionBackedUp(NodeEngine engine) {
        IPartitionService partitions = engine.getPartitionService();
        ClusterService members = engine.getClusterService();
        if (partitions.getPartitionOwner(0) == null) {
            return false; // the table is assigned on first use; this call starts that, the next check sees it
        }
        for (IPartition partition : partitions.getPartitions()) {
            if (partition.isMigrating() || !isMember(members, partition.getOwnerOrNull())
                    || !isMember(members, partition.getReplicaAddress(1))) {
                return false;
            }
        }
        return !partitions.hasOnGoingMigration();
    }

    private static boolean isMember(ClusterService members, Address address) {
        return address != null && members.getMember(address) != null;
    }
}
