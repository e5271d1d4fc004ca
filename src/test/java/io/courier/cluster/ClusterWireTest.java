package io.courier.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;

import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The cluster's grid types travel in their own wire form, not by Java serialization: a presence lookup runs on every
 * delivery and a bus message on every push to another node. Checked through the node's real Hazelcast
 * serialization (a value read back serializes to the same bytes).
 */
@QuarkusTest
class ClusterWireTest extends ServerTest {
    @Inject
    HazelcastInstance hazelcast;

    @Test
    void presenceBusRateLimitAndCacheTypesRoundTripInTheirOwnWireForm() {
        SerializationService serialization = ((SerializationServiceSupport) hazelcast).getSerializationService();
        DeviceAddress device = new DeviceAddress(UUID.randomUUID(), 2);
        Presence presence = new Presence(UUID.randomUUID().toString(), 42);
        List<Object> values = List.of(device, presence, new PresenceDirectory.Registration(true, null),
                new PresenceDirectory.Registration(false, presence), new PresenceDirectory.RegisterIfNewer(presence),
                new PresenceDirectory.RemoveIfSame(presence), new BusMessage.Push(device, device),
                new BusMessage.Ephemeral(device, new byte[] {1, 2}), new BusMessage.Notice(device, 3, new byte[] {4}),
                new BusMessage.Refresh(device, 5), new BusMessage.Supersede(device, 6),
                new BusMessage.Revoked(device, 7), new RateLimiter.Gcra(8, 9, 10),
                new LoadThroughCache.Entry<>(11, Map.of(1, 2)), new LoadThroughCache.Fill<>(
                        new LoadThroughCache.Entry<>(12, "value")), new LoadThroughCache.Bump<>());

        for (Object value : values) {
            Data data = serialization.toData(value);
            assertThat(data.getType()).as(value.getClass().getName() + " travels in a Courier wire form")
                    .isPositive();
            Object back = serialization.<Object>toObject(data);
            assertThat(back).isInstanceOf(value.getClass());
            assertThat((Object) serialization.toData(back)).as(value.getClass().getName() + " comes back the same")
                    .isEqualTo(data);
        }
    }
}
