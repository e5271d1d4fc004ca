package io.courier.bench;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.grpc.Channel;

/**
 * One authenticated device that sends a Send frame at a fixed rate — at or above what its budgets allow — and
 * tallies how the node answered each: a SendAck, or a FrameError by code. It reads every down-frame and acks
 * deliveries, receipts and group events as a client does, so its own queue never holds the node back.
 */
public final class PacedSender implements AutoCloseable {
    /** What the node answered: accepted Sends, and refused ones by FrameError code. */
    public record Tally(long sent, long accepted, Map<String, Long> refused) {
        /** "CODE:count,…" without the enum prefix, or "none". */
        public String refusedText() {
            return ManyAddressAttacker.counts(refused);
        }
    }

    private final DeviceLink link;
    private final LongFunction<ConnectRequest> frame;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final Map<String, Long> refused = new ConcurrentHashMap<>();
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "paced-sender");
        thread.setDaemon(true);
        return thread;
    });

    /** @param frame the Send frame for a client message id */
    public PacedSender(Channel channel, String authToken, LongFunction<ConnectRequest> frame) {
        this.frame = frame;
        this.link = new DeviceLink(channel, authToken, this::onFrame);
    }

    /** Sends {@code perSecond} frames a second from now until {@link #close}. */
    public PacedSender start(double perSecond) {
        pacer.scheduleAtFixedRate(this::sendOne, 0, (long) (1e9 / perSecond), TimeUnit.NANOSECONDS);
        return this;
    }

    /** Sends one frame now and waits up to {@code timeout} for its answer; true if it was a SendAck. */
    public boolean sendOneAccepted(Duration timeout) throws InterruptedException {
        long acceptedBefore = accepted.get();
        long answersBefore = acceptedBefore + refusedCount();
        sendOne();
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (accepted.get() + refusedCount() == answersBefore && System.nanoTime() < deadline) {
                wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
        }
        return accepted.get() > acceptedBefore;
    }

    /** Stops sending; the stream stays open, so answers still in flight are tallied. */
    public void halt() {
        pacer.shutdownNow();
    }

    public Tally tally() {
        return new Tally(sent.get(), accepted.get(), new TreeMap<>(refused));
    }

    private void sendOne() {
        link.send(frame.apply(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE)));
        sent.incrementAndGet();
    }

    private long refusedCount() {
        return refused.values().stream().mapToLong(Long::longValue).sum();
    }

    private void onFrame(DeviceLink from, ConnectResponse response) {
        switch (response.getFrameCase()) {
            case SEND_ACK -> answered(() -> accepted.incrementAndGet());
            case ERROR -> answered(() -> refused.merge(response.getError().getCode().name()
                    .replace("FRAME_ERROR_CODE_", ""), 1L, Long::sum));
            case DELIVERY -> from.send(LoadGenerator.ack(response.getDelivery().getServerId()));
            case RECEIPT -> from.send(LoadGenerator.ack(response.getReceipt().getServerId()));
            case GROUP_EVENT -> from.send(LoadGenerator.ack(response.getGroupEvent().getServerId()));
            default -> {
            }
        }
    }

    private synchronized void answered(Runnable count) {
        count.run();
        notifyAll();
    }

    @Override
    public void close() {
        pacer.shutdownNow();
        link.close();
    }
}
