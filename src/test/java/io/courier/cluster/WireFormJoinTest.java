package io.courier.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;

import io.courier.common.ConfigRefusal;
import io.courier.local.FreePorts;
import io.courier.support.SecondMember;

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
        HazelcastInstance b = member(FreePorts.pick(), List.of(first), List.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> a.getCluster().getMembers().size() == 2);
        a.getMap("kept").put("key", "value");

        int newerPort = FreePorts.pick();
        assertThatThrownBy(() -> member(newerPort, List.of(first), List.of(NEWER)))
                .isInstanceOf(ConfigRefusal.class)
                .hasMessageContaining(a.getCluster().getLocalMember().getAddress().toString())
                .hasMessageContaining(GridTypes.WIRE_RELEASE)
                .hasMessageContaining("full restart");

        await().atMost(Duration.ofSeconds(30)).until(() -> a.getCluster().getMembers().size() == 2);
        assertThat(a.getCluster().getMembers()).allMatch(m -> m.getAddress().getPort() != newerPort);
        assertThat(b.<String, String>getMap("kept").get("key")).isEqualTo("value");
    }

    @Test
    void theWireFormNamesTheReleaseAndEveryId() {
        String plain = GridTypes.wireForm(List.of(GridTypes.cluster()));

        assertThat(GridTypes.wireForm(List.of(GridTypes.cluster()))).isEqualTo(plain);
        assertThat(plain).startsWith(GridTypes.WIRE_RELEASE);
        assertThat(GridTypes.wireForm(List.of(GridTypes.cluster(), NEWER))).isNotEqualTo(plain).contains("9999");
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
