package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.courier.cluster.DeviceAddress;
import io.courier.common.TokenBucket;

/** Which budgets a device's next stream on the node starts with. */
class DeviceBudgetsTest {
    /** No refill within a test. */
    private static final TokenBucket.Limit LIMIT = new TokenBucket.Limit(2, Duration.ofHours(1));
    private static final StreamBudgets.Limits LIMITS =
            new StreamBudgets.Limits(LIMIT, LIMIT, LIMIT, LIMIT, LIMIT, LIMIT, LIMIT);

    private final DeviceBudgets kept = new DeviceBudgets(() -> new StreamBudgets(LIMITS), 2);

    private static DeviceAddress device() {
        return new DeviceAddress(UUID.randomUUID(), 1);
    }

    @Test
    void aStreamThatSpentABudgetHandsItToTheDevicesNextStream() {
        DeviceAddress device = device();
        StreamBudgets first = kept.take(device);
        first.sends().tryTake();

        kept.release(device);

        assertThat(kept.take(device)).isSameAs(first);
    }

    @Test
    void overlappingStreamsOfADeviceShareItsBudgets() {
        DeviceAddress device = device();
        StreamBudgets older = kept.take(device);
        StreamBudgets newer = kept.take(device);
        kept.release(device); // the older one ends after the newer one opened

        assertThat(newer).isSameAs(older);
        assertThat(kept.take(device)).as("the newer stream is still open").isSameAs(older);
    }

    @Test
    void devicesWithAStreamNeverCountAgainstTheBound() {
        DeviceAddress[] connected = {device(), device(), device()};
        StreamBudgets[] budgets = new StreamBudgets[3];
        for (int i = 0; i < 3; i++) {
            budgets[i] = kept.take(connected[i]);
            budgets[i].sends().tryTake();
        }

        assertThat(kept.take(connected[0])).as("three live devices, a bound of two").isSameAs(budgets[0]);
        assertThat(kept.kept()).isZero();
    }

    @Test
    void aStreamThatSpentNothingLeavesNothing() {
        DeviceAddress device = device();
        StreamBudgets first = kept.take(device);

        kept.release(device);

        assertThat(kept.kept()).isZero();
        assertThat(kept.take(device)).isNotSameAs(first);
    }

    @Test
    void aStreamThatOnlyMadeABucketLeavesNothing() {
        DeviceAddress device = device();
        StreamBudgets first = kept.take(device);
        TokenBucket pings = first.pings();
        pings.tryTake();
        pings.giveBack();

        kept.release(device);

        assertThat(first.pings()).as("made once").isSameAs(pings);
        assertThat(kept.kept()).as("a full bucket is as good as none").isZero();
    }

    @Test
    void beyondTheBoundTheLongestKeptDeviceStartsFullAgain() {
        DeviceAddress[] devices = {device(), device(), device()};
        StreamBudgets[] spent = new StreamBudgets[3];
        for (int i = 0; i < 3; i++) {
            spent[i] = kept.take(devices[i]);
            spent[i].typing().tryTake();
            kept.release(devices[i]);
        }

        assertThat(kept.kept()).isEqualTo(2);
        assertThat(kept.take(devices[0])).isNotSameAs(spent[0]);
        assertThat(kept.take(devices[2])).isSameAs(spent[2]);
    }
}
