package io.courier.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

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
import io.courier.api.v1.GetMessageStatusRequest;
import io.courier.api.v1.MessageStatus;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.api.v1.ReceiptState;
import io.courier.api.v1.RecipientStatus;
import io.courier.cluster.DeviceAddress;
import io.courier.common.Ids;
import io.courier.messaging.GroupMessage;
import io.courier.messaging.GroupWrites;
import io.courier.support.RawStream;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.Mono;

/**
 * A message job's copies don't wait for its SENT rows: a member gets and acks the message while they are still being
 * written, the job stays recorded until they are, and the late SENT row doesn't undo the member's DELIVERED.
 */
@QuarkusTest
class FanoutSideBySideTest extends GroupServerTest {
    @Inject
    GroupWrites writes;

    @Inject
    GroupStore store;

    @Test
    void membersGetTheirCopyWhileTheSentRowsAreWrittenAndTheJobEndsAfterThem() throws Exception {
        Participant alice = participant();
        Participant bob = participant();
        UUID bobId = Ids.uuid(bob.accountId(), "account_id");
        long serverId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        byte[] ciphertext = "one sender-key ciphertext".getBytes(StandardCharsets.UTF_8);
        writes.storeEvent(serverId, ciphertext).block(); // a shared payload under the message's id, as a send stores it
        UUID groupId = UUID.randomUUID();
        GroupMessage message = new GroupMessage(groupId, serverId,
                new DeviceAddress(Ids.uuid(alice.accountId(), "account_id"), alice.deviceId()), clientId(),
                Instant.now(), null);
        FanoutJob job = new FanoutJob.MessageJob(message, List.of(bobId));
        jobs.record(job).block();

        CompletableFuture<Void> sentGate = new CompletableFuture<>();
        CountDownLatch sentAsked = new CountDownLatch(1);
        GroupWrites held = new HeldSent(writes, sentGate, sentAsked);
        FanoutWorker worker = new FanoutWorker(held, jobs, new AppliedChanges(store, clock, Duration.ofSeconds(20)), 8);

        try (RawStream stream = connect(bob)) {
            stream.drain();
            worker.enqueue(job);

            ConnectResponse delivery = stream.next(FrameCase.DELIVERY);
            assertThat(delivery.getDelivery().getServerId()).isEqualTo(serverId);
            assertThat(delivery.getDelivery().getCiphertext().toByteArray()).isEqualTo(ciphertext);
            stream.ack(serverId);
            stream.sync(); // the pong follows the ack's DELIVERED
            assertThat(sentAsked.await(30, TimeUnit.SECONDS)).as("the SENT rows were asked for").isTrue();
            assertThat(recorded(job)).as("the job is recorded while its SENT rows are held").isTrue();

            sentGate.complete(null);
            await().atMost(Duration.ofSeconds(30)).until(() -> !recorded(job));
        }
        MessageStatus status = withToken(MessagingServiceGrpc.newBlockingStub(channel), alice.device().authToken())
                .getMessageStatus(GetMessageStatusRequest.newBuilder().addServerIds(serverId).build())
                .getStatuses(0);
        assertThat(status.getRecipientsList()).extracting(RecipientStatus::getAccountId, RecipientStatus::getState)
                .containsExactly(tuple(bob.accountId(), ReceiptState.RECEIPT_STATE_DELIVERED));
    }

    private boolean recorded(FanoutJob job) {
        return jobs.pending(jobs.partitionOf(job.groupId()), System.currentTimeMillis())
                .filter(pending -> pending.jobId() == job.jobId()).count().block() > 0;
    }

    /** The real writes, with the SENT rows held back until the gate opens; tells when they are asked for. */
    private record HeldSent(GroupWrites real, CompletableFuture<Void> gate, CountDownLatch sentAsked)
            implements GroupWrites {
        @Override
        public Mono<byte[]> payload(GroupMessage message) {
            return real.payload(message);
        }

        @Override
        public Mono<Void> recordSent(GroupMessage message, List<UUID> recipients) {
            return Mono.fromFuture(gate).doOnSubscribe(s -> sentAsked.countDown()).then(real.recordSent(message,
                    recipients));
        }

        @Override
        public Mono<Void> deliver(GroupMessage message,
                Mono<byte[]> ready, List<UUID> members, int lookups) {
            return real.deliver(message, ready, members, lookups);
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
