package io.courier.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.GridTypes;
import io.courier.cluster.Presence;

/**
 * The online map's entry processors, results and values travel in their own wire form, not by Java serialization,
 * and come back equal: through Hazelcast's serialization with the types every member registers.
 */
class PresenceWireTest {
    @Test
    void onlineMapTypesRoundTripInTheirOwnWireForm() {
        SerializationConfig config = new SerializationConfig();
        Stream.of(GridTypes.cluster(), PresenceWire.types())
                .forEach(types -> types.serializers().forEach(config::addSerializerConfig));
        SerializationService serialization = new DefaultSerializationServiceBuilder().setConfig(config).build();
        DeviceAddress watcher = new DeviceAddress(UUID.randomUUID(), 3);
        Presence stream = new Presence(UUID.randomUUID().toString(), 42);
        AccountWatch.Watcher watching = new AccountWatch.Watcher(watcher, stream);
        Map<Integer, Presence> devices = new HashMap<>(Map.of(1, stream, 2, new Presence("other", 7)));
        Map<DeviceAddress, Presence> watchers = new HashMap<>(Map.of(watcher, stream));
        List<Object> values = List.of(new WatchOperations.Connected(1, stream),
                new WatchOperations.Disconnected(2, stream), new WatchOperations.Watch(watcher, stream, 4096),
                new WatchOperations.Unwatch(watcher, stream), new WatchOperations.DropMember("gone"), watching,
                new AccountWatch.Transition(true, List.of()), new AccountWatch.Transition(false, List.of(watching)),
                new AccountWatch(devices, watchers), AccountWatch.empty());

        for (Object value : values) {
            Data data = serialization.toData(value);
            assertThat(data.getType()).as(value.getClass().getName() + " travels in a Courier wire form")
                    .isPositive();
            assertThat((Object) serialization.toObject(data)).as(value.getClass().getName()).isEqualTo(value);
        }
    }
}
