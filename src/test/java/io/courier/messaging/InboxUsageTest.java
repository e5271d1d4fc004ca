package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractMap;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** The arithmetic of the inbox quota's daily counts, run as Hazelcast would run its entry processors. */
class InboxUsageTest {
    private static final InboxQuota.Limits LIMITS = new InboxQuota.Limits(3, 1_000);
    private final Map.Entry<UUID, InboxQuota.AccountUsage> entry = new AbstractMap.SimpleEntry<>(UUID.randomUUID(), null);

    @Test
    void itemsAndBytesAreCappedPerDevice() {
        assertThat(add(100, Map.of(1, 10, 2, 10))).isTrue();
        assertThat(add(100, Map.of(1, 10))).isTrue();
        assertThat(add(100, Map.of(1, 10))).isTrue();
        assertThat(add(100, Map.of(1, 10, 2, 10))).as("device 1 holds 3 items").isFalse();
        assertThat(add(100, Map.of(2, 10))).as("a refused send counted nothing for device 2").isTrue();
        assertThat(add(100, Map.of(3, 1_001))).as("bytes").isFalse();
    }

    @Test
    void acksFreeRoomAndARemovedDeviceIsForgotten() {
        add(100, Map.of(1, 400));
        add(101, Map.of(1, 400));
        assertThat(add(101, Map.of(1, 400))).as("1,200 bytes").isFalse();
        release(102, 1, 1, 400);
        assertThat(add(102, Map.of(1, 400))).isTrue();
        release(102, 1, Integer.MAX_VALUE, Long.MAX_VALUE);
        assertThat(entry.getValue()).as("nothing counted any more").isNull();
    }

    @Test
    void daysOlderThanTheInboxTtlFallOut() {
        add(100, Map.of(1, 10));
        add(100, Map.of(1, 10));
        add(110, Map.of(1, 10));
        assertThat(add(130, Map.of(1, 10))).as("day 100 is still within 31 days").isFalse();
        assertThat(add(131, Map.of(1, 10))).as("day 100's rows have expired").isTrue();
        assertThat(add(131, Map.of(1, 10))).isTrue();
        assertThat(add(131, Map.of(1, 10))).as("days 110 and 131 hold 3").isFalse();
    }

    private boolean add(long day, Map<Integer, Integer> bytesByDevice) {
        return new InboxQuota.Add(day, new HashMap<>(bytesByDevice), LIMITS).process(entry);
    }

    private void release(long day, int device, int items, long bytes) {
        new InboxQuota.Release(day, device, items, bytes).process(entry);
    }
}
