package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The group bookkeeping a device keeps: aggregate ticks, Sender Key holders, and the content marker. */
class GroupStateTest {
    private final UUID group = UUID.randomUUID();
    private final UUID bob = UUID.randomUUID();
    private final UUID carol = UUID.randomUUID();

    @Test
    void ticksAreCountedPerMemberNeverBackwardsAndSurviveARestart(@TempDir Path dir) {
        Path file = dir.resolve("device.state");
        GroupState first = new GroupState(ClientStore.file(file));
        assertThat(first.track(7L, group, List.of(bob, carol))).isEqualTo(new GroupMessageStatus(7L, group, 2, 0, 0));
        assertThat(first.record(7L, bob, Tick.State.READ)).contains(new GroupMessageStatus(7L, group, 2, 1, 1));
        assertThat(first.record(7L, bob, Tick.State.DELIVERED)).as("READ stays READ").isEmpty();

        GroupState second = new GroupState(ClientStore.file(file));
        GroupMessageStatus delivered = second.record(7L, carol, Tick.State.DELIVERED).orElseThrow();
        assertThat(delivered.deliveredToAll()).isTrue();
        assertThat(delivered.readByAll()).isFalse();
        assertThat(second.record(7L, carol, Tick.State.READ).orElseThrow().readByAll()).isTrue();
        assertThat(second.record(7L, carol, Tick.State.READ)).as("read by all: no longer tracked").isEmpty();
        assertThat(second.record(8L, bob, Tick.State.READ)).as("never tracked").isEmpty();
    }

    @Test
    void holdersAreAddedOnlyToTheCurrentSenderKey() {
        GroupState state = new GroupState(ClientStore.inMemory());
        UUID old = UUID.randomUUID();
        UUID current = UUID.randomUUID();
        state.saveDistribution(group, new GroupState.Distribution(current, Set.of()));

        state.addHolders(group, current, bob, List.of(1, 2));
        state.addHolders(group, old, carol, List.of(1));

        assertThat(state.distribution(group)).contains(new GroupState.Distribution(current,
                Set.of(new GroupState.MemberDevice(bob, 1), new GroupState.MemberDevice(bob, 2))));
    }

    @Test
    void distributionMessagesAreRemembered(@TempDir Path dir) {
        Path file = dir.resolve("device.state");
        new GroupState(ClientStore.file(file)).markDistributionMessage(42L);
        GroupState reopened = new GroupState(ClientStore.file(file));
        assertThat(reopened.isDistributionMessage(42L)).isTrue();
        assertThat(reopened.isDistributionMessage(43L)).isFalse();
    }
}
