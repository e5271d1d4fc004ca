package io.courier.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

import com.google.protobuf.ByteString;

import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.OutgoingMessage;
import io.grpc.Channel;

/**
 * Open-loop load: device pairs over real Connect streams, one message every 1/rate seconds round-robin over the
 * pairs, whatever the server's pace. Latencies count from the scheduled send time, so a stalled server shows up in
 * the percentiles instead of quietly slowing the generator (no coordinated omission). Payloads are opaque bytes of
 * a typical ciphertext size: this measures the server, not client-side crypto.
 *
 * <p>The streams stay open across {@link #run runs}, so a ramp is a sequence of runs. Devices behave like the SDK:
 * recipients ack every delivery, senders ack every receipt (else receipts pile up in their inboxes and windows).
 */
public final class LoadGenerator implements AutoCloseable {
    /** One registered device with keys uploaded. */
    public record Device(String authToken, ByteString accountId, int registrationId) {
    }

    public record Pair(Device sender, Device recipient) {
    }

    /** One run at one rate. Refused sends (FrameError on the sender) count by code. */
    public record Result(int rate, long scheduled, long acked, long delivered, double seconds, Histogram sendAck,
            Histogram delivery, Map<String, Long> refused) {
        public boolean allDelivered() {
            return delivered == scheduled;
        }

        public double p99DeliverMillis() {
            return LatencyStats.millis(delivery, 99);
        }
    }

    private final List<Pair> pairs;
    private final List<DeviceLink> senders = new ArrayList<>();
    private final List<DeviceLink> recipients = new ArrayList<>();
    // Two maps: a delivery may overtake its own SendAck, and each side removes only its own entry.
    private final Map<Long, Pending> awaitingAck = new ConcurrentHashMap<>();
    private final Map<Long, Pending> awaitingDelivery = new ConcurrentHashMap<>();
    // Every run's latencies together too, for a timeline across runs (a ramp's steps one after another).
    private final LatencyStats allSendAcks = new LatencyStats();
    private final LatencyStats allDeliveries = new LatencyStats();
    private volatile Run last;

    /** A message in flight, tied to the run that scheduled it so late arrivals never count toward the next run. */
    private record Pending(Run run, long scheduledNanos) {
    }

    private LoadGenerator(List<Pair> pairs) {
        this.pairs = List.copyOf(pairs);
    }

    /** Opens every device's stream and waits until each has drained its inbox (QueueEmpty). */
    public static LoadGenerator connect(Channel channel, List<Pair> pairs, Duration timeout)
            throws InterruptedException {
        LoadGenerator load = new LoadGenerator(pairs);
        CountDownLatch drained = new CountDownLatch(2 * pairs.size());
        for (Pair pair : pairs) {
            load.senders.add(new DeviceLink(channel, pair.sender().authToken(),
                    (link, frame) -> load.onSenderFrame(link, frame, drained)));
            load.recipients.add(new DeviceLink(channel, pair.recipient().authToken(),
                    (link, frame) -> load.onRecipientFrame(link, frame, drained)));
        }
        awaitDrained(drained, timeout, load::close);
        return load;
    }

    /** Waits until every stream has drained its inbox (QueueEmpty); closes them and fails if that takes too long. */
    static void awaitDrained(CountDownLatch drained, Duration timeout, Runnable closeAll) throws InterruptedException {
        if (!drained.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            closeAll.run();
            throw new IllegalStateException(drained.getCount() + " streams did not reach QueueEmpty within "
                    + timeout.toSeconds() + " s");
        }
    }

    private void onSenderFrame(DeviceLink link, ConnectResponse frame, CountDownLatch drained) {
        switch (frame.getFrameCase()) {
            case QUEUE_EMPTY -> drained.countDown();
            case SEND_ACK -> {
                long at = System.nanoTime();
                Pending pending = awaitingAck.remove(frame.getSendAck().getClientMessageId());
                if (pending != null) {
                    pending.run().acked(at - pending.scheduledNanos());
                    allSendAcks.recordNanos(at - pending.scheduledNanos());
                }
            }
            case RECEIPT -> link.send(ack(frame.getReceipt().getServerId()));
            case ERROR -> {
                long id = frame.getError().getClientMessageId();
                awaitingAck.remove(id);
                Pending pending = awaitingDelivery.remove(id);
                if (pending != null) {
                    pending.run().refused(frame.getError().getCode().name());
                }
            }
            default -> {
            }
        }
    }

    private void onRecipientFrame(DeviceLink link, ConnectResponse frame, CountDownLatch drained) {
        if (frame.hasQueueEmpty()) {
            drained.countDown();
        } else if (frame.hasDelivery()) {
            long at = System.nanoTime();
            Pending pending = awaitingDelivery.remove(frame.getDelivery().getClientMessageId());
            if (pending != null) {
                pending.run().delivered(at - pending.scheduledNanos());
                allDeliveries.recordNanos(at - pending.scheduledNanos());
            }
            link.send(ack(frame.getDelivery().getServerId()));
        } else if (frame.hasReceipt()) {
            link.send(ack(frame.getReceipt().getServerId()));
        }
    }

    /**
     * Sends {@code rate} msg/s for {@code duration}, then waits up to {@code grace} for what is still in flight:
     * a message not delivered by then counts as not delivered in this run's result.
     */
    public Result run(int rate, Duration duration, int payloadBytes, Duration grace) throws InterruptedException {
        long total = duration.toSeconds() * rate;
        Run run = new Run(total);
        last = run;
        ByteString ciphertext = randomBytes(payloadBytes);
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long at = start + i * interval;
            long wait = at - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int p = (int) (i % pairs.size());
            long clientId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
            Pending pending = new Pending(run, at);
            awaitingAck.put(clientId, pending);
            awaitingDelivery.put(clientId, pending);
            senders.get(p).send(sendFrame(clientId, pairs.get(p).recipient(), ciphertext));
        }
        run.settled.await(grace.toMillis(), TimeUnit.MILLISECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(rate, total, run.acked.get(), run.delivered.get(), seconds, run.sendAck.snapshot(),
                run.delivery.snapshot(), Map.copyOf(run.refused));
    }

    /** SendAck and delivery latency and throughput of every run from now until the timeline is closed. */
    public Timeline timeline(Duration period) {
        return Timeline.start(period, new Timeline.Tracked("send → SendAck", allSendAcks),
                new Timeline.Tracked("send → deliver", allDeliveries));
    }

    /** Waits until the last run's messages have all been delivered or refused; false if that took too long. */
    public boolean awaitQuiet(Duration timeout) throws InterruptedException {
        Run run = last;
        return run == null || run.settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        senders.forEach(DeviceLink::close);
        recipients.forEach(DeviceLink::close);
    }

    static ConnectRequest sendFrame(long clientId, Device to, ByteString ciphertext) {
        return ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder()
                .setClientMessageId(clientId)
                .setRecipientAccountId(to.accountId())
                .addEnvelopes(DeviceEnvelope.newBuilder().setDeviceId(1)
                        .setRegistrationId(to.registrationId())
                        .setType(EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE).setCiphertext(ciphertext)))
                .build();
    }

    static ConnectRequest ack(long serverId) {
        return ConnectRequest.newBuilder().setAck(Ack.newBuilder().addServerIds(serverId)).build();
    }

    static ByteString randomBytes(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    /** Counters of one run; a message settles when it is delivered or refused. */
    private static final class Run {
        final LatencyStats sendAck = new LatencyStats();
        final LatencyStats delivery = new LatencyStats();
        final AtomicLong acked = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();
        final Map<String, Long> refused = new ConcurrentHashMap<>();
        final CountDownLatch settled;

        Run(long total) {
            settled = new CountDownLatch((int) total);
        }

        void acked(long nanos) {
            sendAck.recordNanos(nanos);
            acked.incrementAndGet();
        }

        void delivered(long nanos) {
            delivery.recordNanos(nanos);
            delivered.incrementAndGet();
            settled.countDown();
        }

        void refused(String code) {
            refused.merge(code, 1L, Long::sum);
            settled.countDown();
        }
    }
}
