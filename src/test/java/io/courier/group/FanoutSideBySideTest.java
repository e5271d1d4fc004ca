package io.courier.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.cluster.DeviceAddress;
import io.courier.common.Ids;
import io.courier.messaging.GroupMessage;
import io.courier.messaging.GroupWrites;
import io.courier.support.RawStream;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.Mono;

/**
 * A message job looks its members' devices up while its SENT rows are still being written, and enqueues nothing
 * before they are: the first copy waits for the slower of the two, not for both one after the other.
 */
@QuarkusTest
class FanoutSideBySideTest extends GroupServerTest {
    @Inject
    GroupWrites writes;

    @Inject
    GroupStore store;

    @Test
    void membersAreLookedUpWhileTheSentRowsAreWrittenAndGetTheirCopyOnlyAfter() throws Exception {
        Participant alice = participant();
        Participant bob = participant();
        UUID bobId = Ids.uuid(bob.accountId(), "account_id");
        long serverId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        byte[] ciphertext = "one sender-key ciphertext".getBytes(StandardCharsets.UTF_8);
        writes.storeEvent(serverId, ciphertext).block(); // a shared payload under the message's id, as a send stores it
        GroupMessage message = new GroupMessage(UUID.randomUUID(), serverId,
                new DeviceAddress(Ids.uuid(alice.accountId(), "account_id"), alice.deviceId()), clientId(),
                Instant.now(), null);

        CompletableFuture<Void> sentGate = new CompletableFuture<>();
        CountDownLatch deliverAsked = new CountDownLatch(1);
        GroupWrites held = new HeldSent(writes, sentGate, deliverAsked);
        FanoutWorker worker = new FanoutWorker(held, jobs, new AppliedChanges(store, clock, Duration.ofSeconds(20)), 8);

        try (RawStream stream = connect(bob)) {
            stream.drain();
            worker.enqueue(new FanoutJob.MessageJob(message, List.of(bobId)));

            assertThat(deliverAsked.await(30, TimeUnit.SECONDS))
                    .as("the delivery (its lookups) started while the SENT rows are held").isTrue();
            assertThat(stream.sync()).as("no copy before the SENT rows are written").isEmpty();

            sentGate.complete(null);
            ConnectResponse delivery = stream.next(FrameCase.DELIVERY);
            assertThat(delivery.getDelivery().getServerId()).isEqualTo(serverId);
            assertThat(delivery.getDelivery().getCiphertext().toByteArray()).isEqualTo(ciphertext);
            stream.ack(serverId);
        }
    }

    /** The real writes, with the SENT rows held back until the gate opens; tells when a delivery is asked for. */
    private record HeldSent(GroupWrites real, CompletableFuture<Void> gate, CountDownLatch deliverAsked)
            implements GroupWrites {
        @Override
        public Mono<byte[]> payload(GroupMessage message) {
            return real.payload(message);
        }

        @Override
        public Mono<Void> recordSent(GroupMessage message, List<UUID> recipients) {
            return Mono.fromFuture(gate).then(real.recordSent(message, recipients));
        }

        @Override
        public Mono<Void> deliver(GroupMessage message,
                Mono<byte[]> ready, List<UUID> members, int lookups) {
            return real.deliver(message, ready, members, lookups).doOnSubscribe(s -> deliverAsked.countDown());
        }

        @Override
        public Mono<Void> storeEvent(long eventId, byte[] event) {
            return real.storeEvent(eventId, event);
        }

        @Override
        public Mono<Void> deliverEvent(long eventId, byte[] event, List<UUID> accounts,
                int lookups) {
            return real.deliverEvent(eventId, event, accounts, lookups);
        }
    }
}
