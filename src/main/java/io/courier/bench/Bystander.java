package io.courier.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.Ping;
import io.grpc.Channel;

/**
 * A device already online that only pings, as any idle phone does, while something else loads the node: its
 * ping → Pong round trips say how responsive the node stays for everyone else. It pings once a {@code period}
 * (within the node's ping budget) once told to; the nonce is the send time.
 */
public final class Bystander implements AutoCloseable {
    private final DeviceLink link;
    private final LatencyStats roundTrips;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final CompletableFuture<Void> online = new CompletableFuture<>();
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, BenchChannel.THREAD_PREFIX + "bystander");
        thread.setDaemon(true);
        return thread;
    });

    /** Records its round trips into {@code roundTrips}, which several bystanders may share. */
    public Bystander(Channel channel, String authToken, LatencyStats roundTrips) {
        this.roundTrips = roundTrips;
        link = new DeviceLink(channel, authToken, (l, frame) -> {
            if (frame.hasQueueEmpty()) {
                online.complete(null);
            } else if (frame.hasPong()) {
                roundTrips.recordNanos(System.nanoTime() - frame.getPong().getNonce());
                answered.incrementAndGet();
            }
        });
    }

    /** Completes at the bystander's QueueEmpty. */
    public CompletableFuture<Void> online() {
        return online;
    }

    /** Pings once a {@code period} from now (once online) until {@link #close()}. */
    public void startPinging(Duration period) {
        online.thenRun(() -> pinger.scheduleAtFixedRate(this::ping, 0, period.toNanos(), TimeUnit.NANOSECONDS));
    }

    private void ping() {
        sent.incrementAndGet();
        link.send(ConnectRequest.newBuilder().setPing(Ping.newBuilder().setNonce(System.nanoTime())).build());
    }

    /** Pings sent that no Pong has answered (yet). */
    public long unanswered() {
        return sent.get() - answered.get();
    }

    /** Stops pinging; the stream stays open. */
    public void stopPinging() throws InterruptedException {
        pinger.shutdownNow();
        pinger.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        stopPinging();
        link.close();
    }
}
