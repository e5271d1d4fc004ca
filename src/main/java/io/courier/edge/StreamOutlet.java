package io.courier.edge;

import java.time.Clock;
import java.util.List;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.QueueEmpty;
import io.courier.messaging.DownFrames;
import io.courier.messaging.FrameErrors;
import io.courier.messaging.InboxItem;
import io.courier.messaging.MailboxOutlet;
import io.courier.messaging.MessagingMetrics;
import io.grpc.Status;

/** What the device's mailbox has for it, as down-frames. Confined to the stream's serial executor. */
final class StreamOutlet implements MailboxOutlet {
    private final Outbound outbound;
    /** Full or compact, as the client asked when it opened the stream. */
    private final DownFrames frames;
    private final Refusals refusals;
    private final StreamEnd end;
    private final StreamMetrics metrics;
    private final MessagingMetrics delivery;
    private final Clock clock;
    private final long openedNanos = System.nanoTime();
    /** Told at the first QueueEmpty: the stream is open (its slot among the opening streams is free). */
    private final Runnable opened;

    StreamOutlet(Outbound outbound, DownFrames frames, Refusals refusals, StreamEnd end, StreamMetrics metrics,
            MessagingMetrics delivery, Clock clock, Runnable opened) {
        this.outbound = outbound;
        this.frames = frames;
        this.refusals = refusals;
        this.end = end;
        this.metrics = metrics;
        this.delivery = delivery;
        this.clock = clock;
        this.opened = opened;
    }

    @Override
    public void deliver(InboxItem item) {
        if (item instanceof InboxItem.Message message) {
            delivery.recordDeliver(Math.max(0, clock.millis() - message.serverTime().toEpochMilli()) * 1_000_000);
        }
        outbound.deliver(frames.of(item));
    }

    @Override
    public void queueEmpty() {
        metrics.drainCompleted(System.nanoTime() - openedNanos);
        opened.run();
        outbound.reply(ConnectResponse.newBuilder().setQueueEmpty(QueueEmpty.getDefaultInstance()).build());
    }

    @Override
    public void notDeliveredToYou(List<Long> serverIds) {
        refusals.refuse(FrameErrors.forIds(FrameErrorCode.FRAME_ERROR_CODE_NOT_DELIVERED_TO_YOU,
                "these ids are not in this device's inbox", serverIds));
    }

    /**
     * Infrastructure failures end the stream: the client reconnects and retries; nothing un-acked is lost. The
     * {@link FailureShield} turns the status into UNAVAILABLE with a reference and logs the cause.
     */
    @Override
    public void failed(Throwable error) {
        end.close(Status.INTERNAL.withCause(error));
    }
}
