package io.courier.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractMap.SimpleEntry;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.presence.AccountWatch.Transition;
import io.courier.presence.AccountWatch.Watcher;
import io.courier.presence.WatchOperations.Connected;
import io.courier.presence.WatchOperations.Disconnected;
import io.courier.presence.WatchOperations.DropMember;
import io.courier.presence.WatchOperations.Unwatch;
import io.courier.presence.WatchOperations.Watch;

/** The online map's entry processors, on a plain entry: the decisions the partition owner makes. */
class WatchOperationsTest {
    private final Map.Entry<UUID, AccountWatch> entry = new SimpleEntry<>(UUID.randomUUID(), null);
    private final DeviceAddress watcher = new DeviceAddress(UUID.randomUUID(), 1);
    private final Presence watcherStream = new Presence("node-w", 5);

    @Test
    void onlyTheFirstDeviceInAndTheLastDeviceOutAreTransitions() {
        new Watch(watcher, watcherStream, 10).process(entry);

        Transition online = new Connected(1, new Presence("node-a", 1)).process(entry);
        Transition second = new Connected(2, new Presence("node-b", 2)).process(entry);
        Transition firstLeaves = new Disconnected(1, new Presence("node-a", 1)).process(entry);
        Transition lastLeaves = new Disconnected(2, new Presence("node-b", 2)).process(entry);

        assertThat(online).isEqualTo(new Transition(true, List.of(new Watcher(watcher, watcherStream))));
        assertThat(second).isNull();
        assertThat(firstLeaves).isNull();
        assertThat(lastLeaves).isEqualTo(new Transition(false, List.of(new Watcher(watcher, watcherStream))));
    }

    @Test
    void aLateDisconnectOfAnOlderStreamKeepsTheNewerOneOnline() {
        new Connected(1, new Presence("node-a", 1)).process(entry);
        new Connected(1, new Presence("node-b", 2)).process(entry);

        assertThat(new Disconnected(1, new Presence("node-a", 1)).process(entry)).isNull();
        assertThat(new Connected(1, new Presence("node-a", 1)).process(entry)).as("an older stream registering late")
                .isNull();
        assertThat(entry.getValue().devices()).containsExactly(Map.entry(1, new Presence("node-b", 2)));
    }

    @Test
    void watchersAreBoundedAndAnEmptyEntryGoes() {
        DeviceAddress other = new DeviceAddress(UUID.randomUUID(), 1);
        new Watch(watcher, watcherStream, 1).process(entry);

        assertThat(new Watch(other, new Presence("node-x", 1), 1).process(entry)).isFalse();
        assertThat(entry.getValue().watchers()).containsOnlyKeys(watcher);

        new Unwatch(watcher, new Presence("node-w", 4)).process(entry);
        assertThat(entry.getValue()).as("an older stream of the watcher removes nothing").isNotNull();
        new Unwatch(watcher, watcherStream).process(entry);
        assertThat(entry.getValue()).isNull();
    }

    @Test
    void aDepartedMembersStreamsGoAndItsDevicesGoOffline() {
        new Watch(watcher, watcherStream, 10).process(entry);
        new Watch(new DeviceAddress(UUID.randomUUID(), 2), new Presence("dead", 3), 10).process(entry);
        new Connected(1, new Presence("dead", 1)).process(entry);

        Transition transition = new DropMember("dead").process(entry);

        assertThat(transition).isEqualTo(new Transition(false, List.of(new Watcher(watcher, watcherStream))));
        assertThat(entry.getValue().devices()).isEmpty();
        assertThat(new DropMember("dead").process(entry)).isNull();
    }
}
