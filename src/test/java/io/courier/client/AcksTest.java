package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import reactor.test.scheduler.VirtualTimeScheduler;

/** Ack batching on a virtual clock: which ids go out in which frame, and when. */
class AcksTest {
    private static final Duration RECEIPT_DELAY = Duration.ofSeconds(10);

    private final List<List<Long>> frames = new CopyOnWriteArrayList<>();
    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    private final Acks acks = new Acks(frame -> frames.add(frame.getAck().getServerIdsList()), clock, RECEIPT_DELAY);

    @Test
    void aBurstOfAcksGoesOutAsOneFrameOnceTheBatchDelayIsOver() {
        acks.ack(1);
        acks.ack(2);
        clock.advanceTimeBy(Acks.BATCH_DELAY.minusMillis(1));
        acks.ack(3);
        assertThat(frames).isEmpty();

        clock.advanceTimeBy(Duration.ofMillis(1));
        assertThat(frames).containsExactly(List.of(1L, 2L, 3L));
    }

    @Test
    void moreIdsThanAFrameMayCarryAreSplitInOrder() {
        LongStream.rangeClosed(1, 40).forEach(acks::ack);
        clock.advanceTimeBy(Acks.BATCH_DELAY);

        assertThat(frames).extracting(List::size).containsExactly(Acks.MAX_IDS_PER_ACK, Acks.MAX_IDS_PER_ACK, 8);
        assertThat(frames.stream().flatMap(List::stream)).containsExactlyElementsOf(
                LongStream.rangeClosed(1, 40).boxed().toList());
    }

    @Test
    void aReceiptAckWaitsForTheNextAckFrame() {
        acks.ackReceipt(100);
        clock.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(frames).isEmpty();

        acks.ack(1);
        clock.advanceTimeBy(Acks.BATCH_DELAY);
        assertThat(frames).containsExactly(List.of(1L, 100L));

        clock.advanceTimeBy(RECEIPT_DELAY);
        assertThat(frames).as("nothing left for the receipt timer").hasSize(1);
    }

    @Test
    void aLoneReceiptAckGoesOutAfterTheReceiptDelay() {
        acks.ackReceipt(100);
        acks.ackReceipt(101);
        clock.advanceTimeBy(RECEIPT_DELAY.minusMillis(1));
        assertThat(frames).isEmpty();

        clock.advanceTimeBy(Duration.ofMillis(1));
        assertThat(frames).containsExactly(List.of(100L, 101L));
    }

    @Test
    void aFrameFullOfReceiptAcksGoesOutAtOnce() {
        LongStream.rangeClosed(1, Acks.MAX_IDS_PER_ACK).forEach(acks::ackReceipt);

        assertThat(frames).containsExactly(LongStream.rangeClosed(1, Acks.MAX_IDS_PER_ACK).boxed().toList());
    }

    @Test
    void flushSendsEverythingWaitingAtOnceAndTheTimersFindNothingLater() {
        acks.ack(1);
        acks.ackReceipt(100);
        acks.flush();
        assertThat(frames).containsExactly(List.of(1L, 100L));

        clock.advanceTimeBy(RECEIPT_DELAY);
        assertThat(frames).hasSize(1);
    }
}
