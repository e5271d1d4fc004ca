package io.courier.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import io.courier.common.ConfigRefusal;
import io.courier.local.FreePorts;
import io.courier.support.SecondMember;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Members of one release join each other; a member whose grid wire forms differ refuses to join, real members. */
class WireFormJoinTest {
    /** A release that added a type the others can't read. */
    private static final GridTypes NEWER = new GridTypes(List.of(Wire.of(Marker.class, 9_999, (out, m) -> { },
            in -> new Marker())));
    private final String cluster = "wire-" + UUID.randomUUID();
    private final List<HazelcastInstance> started = new ArrayList<>();

    record Marker() {
    }

    @AfterEach
    void stop() {
        started.forEach(m -> m.getLifecycleService().terminate());
    }

    @Test
    void aMemberWithOtherWireFormsLeavesWhileTheClusterKeepsServing() {
        int firstPort = FreePorts.pick();
        String first = "127.0.0.1:" + firstPort;
        HazelcastInstance a = member(firstPort, List.of(first), List.of());
        a.getMap("kept").put("key", "value"); // partitions are assigned, so the next member takes some
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        new GridMeters(a).register(meters); // the master's count of partition replicas moved (or failed to)
        HazelcastInstance b = member(FreePorts.pick(), List.of(first), List.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> a.getCluster().getMembers().size() == 2
                && a.getPartitionService().isClusterSafe());
        double movedBefore = replicasMoved(meters);
        assertThat(movedBefore).as("the listener sees a joining member's partitions move").isPositive();

        int newerPort = FreePorts.pick();
        assertThatThrownBy(() -> member(newerPort, List.of(first), List.of(NEWER)))
                .isInstanceOf(ConfigRefusal.class)
                .hasMessageContaining(a.getCluster().getLocalMember().getAddress().toString())
                .hasMessageContaining(GridTypes.WIRE_RELEASE)
                .hasMessageContaining("full restart");

        await().atMost(Duration.ofSeconds(30)).until(() -> a.getCluster().getMembers()
                .equals(Set.of(a.getCluster().getLocalMember(), b.getCluster().getLocalMember())));
        assertThat(Hazelcast.getAllHazelcastInstances()).filteredOn(i -> i.getConfig().getClusterName().equals(cluster))
                .containsExactlyInAnyOrder(a, b);
        assertThat(b.<String, String>getMap("kept").get("key")).isEqualTo("value");
        assertThat(replicasMoved(meters)).as("no partition moved to or from the refused member")
                .isEqualTo(movedBefore);
    }

    private static double replicasMoved(SimpleMeterRegistry meters) {
        return meters.get("courier.grid.migrations").functionCounter().count()
                + meters.get("courier.grid.migrations.failed").functionCounter().count();
    }

    @Test
    void aMemberOfAReleaseThatNamesNoWireFormIsRefused() {
        int olderPort = FreePorts.pick();
        Config older = new Config().setClusterName(cluster);
        older.getNetworkConfig().setPort(olderPort).getJoin().getAutoDetectionConfig().setEnabled(false);
        older.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        older.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + olderPort);
        older.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        HazelcastInstance a = Hazelcast.newHazelcastInstance(older);
        started.add(a);

        assertThatThrownBy(() -> member(FreePorts.pick(), List.of("127.0.0.1:" + olderPort), List.of()))
                .isInstanceOf(ConfigRefusal.class)
                .hasMessageContaining("an older release");
        await().atMost(Duration.ofSeconds(30)).until(() -> a.getCluster().getMembers().size() == 1);
    }

    @Test
    void theWireFormNamesTheReleaseAndEveryIdInAnyOrder() {
        GridTypes operations = new GridTypes(List.of(), Map.of(77, classId -> null));

        assertThat(GridTypes.wireForm(List.of(NEWER, operations)))
                .isEqualTo(GridTypes.WIRE_RELEASE + " / 9999 / 77");
        assertThat(GridTypes.wireForm(List.of(NEWER, GridTypes.cluster())))
                .isEqualTo(GridTypes.wireForm(List.of(GridTypes.cluster(), NEWER)))
                .isNotEqualTo(GridTypes.wireForm(List.of(GridTypes.cluster())));
    }

    private HazelcastInstance member(int port, List<String> seeds, List<GridTypes> types) {
        List<String> all = new ArrayList<>(seeds);
        all.add("127.0.0.1:" + port);
        HazelcastInstance member = HazelcastMembers.start(SecondMember.config(cluster, port, all, Optional.empty()),
                List.of(), types);
        started.add(member);
        return member;
    }
}
