package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import io.courier.api.v1.EnvelopeType;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;
import io.courier.local.FreePorts;
import io.courier.store.Cql;
import io.courier.support.SecondMember;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * An idle device queue leaves the grid, unless it counts messages waiting for its device's inbox quota: then its
 * owner keeps it, so nobody can refill a device's quota by pausing until its entry is gone.
 */
@QuarkusTest
class QueueIdleTest extends ServerTest {
    private static final Duration IDLE = Duration.ofSeconds(2);

    @Inject
    Cql cql;

    @Inject
    ServerIds serverIds;

    private HazelcastInstance member;
    private DeviceQueues queues;

    @AfterEach
    void stop() {
        queues.close();
        member.getLifecycleService().terminate();
    }

    @Test
    void anIdleQueueGoesUnlessItCountsWaitingMessagesWhichItsOwnerKeepsWithTheirCounts() {
        int port = FreePorts.pick();
        member = SecondMember.start("idle-test-" + UUID.randomUUID(), port, List.of("127.0.0.1:" + port),
                List.of(DeviceQueues.mapConfig(IDLE)));
        // A lone member writes through; a sender may have two messages waiting on a device.
        queues = new DeviceQueues(member, new DeviceLog(cql), new DeviceQueue.Limits(256, 1 << 20, 0,
                new InboxUsage.Quota(4, 1 << 20, 0.5, 30)), Duration.ofSeconds(30), Clock.systemUTC());
        queues.start(Duration.ofMillis(200), IDLE);
        IMap<DeviceAddress, DeviceQueue> map = member.getMap(DeviceQueues.MAP);
        UUID stranger = UUID.randomUUID();
        DeviceAddress waiting = new DeviceAddress(UUID.randomUUID(), 1);
        DeviceAddress drained = new DeviceAddress(UUID.randomUUID(), 1);
        long first = queues.enqueue(waiting, List.of(message(stranger)), false).block().items().get(0).seq();
        queues.enqueue(waiting, List.of(message(stranger)), false).block();
        Queued read = queues.enqueue(drained, List.of(message(stranger)), false).block().items().get(0);
        queues.advance(drained, read.seq()).block();

        // Queries, not reads: they don't count as a use of an entry.
        await().atMost(Duration.ofSeconds(30)).until(() -> !map.localKeySet().contains(drained));
        await().during(IDLE.multipliedBy(2)).atMost(IDLE.multipliedBy(3))
                .until(() -> map.localKeySet().contains(waiting));

        assertThat(queues.enqueue(waiting, List.of(message(UUID.randomUUID())), false).block().items().get(0).seq())
                .as("the same entry: its epoch's sequences go on").isEqualTo(first + 2);
        assertThat(catchFull(() -> queues.enqueue(waiting, List.of(message(stranger)), false).block()))
                .as("the stranger's two waiting messages still count").isEqualTo(InboxUsage.NoRoom.SENDER_SHARE_FULL);
    }

    private static InboxUsage.NoRoom catchFull(Runnable call) {
        try {
            call.run();
            return null;
        } catch (InboxUsage.Full full) {
            return full.reason();
        }
    }

    private InboxItem message(UUID sender) {
        return new InboxItem.Message(serverIds.next(), sender, 1, 1, Instant.now(),
                EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, "hi".getBytes(StandardCharsets.UTF_8), null, null);
    }
}
