package io.courier.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A shaped radio link modelled in user space (this kernel has no netem), shared by every {@link TcpProxy} built on it:
 * both directions have their own rate, and all connections on the link queue for it in the order their bytes arrive.
 *
 * <p>Each chunk a proxy reads is cut into {@link #SEGMENT_BYTES}-sized segments. A segment leaves when the link is free
 * (serialisation at the rate), arrives one-way delay plus a random jitter in {@code [0, jitter]} later. A proxy can't
 * drop bytes of a TCP stream, so loss is modelled as what it does to the stream: with probability {@code loss} a
 * segment is "retransmitted" — it arrives {@link #retransmitTimeout()} later (Linux: srtt + max(4·rttvar, 200 ms), so
 * RTT + 200 ms on a steady link; with one segment in flight there are no duplicate acks for a fast retransmit). Byte
 * order within a connection is kept: a late segment holds everything behind it (head-of-line), so jitter and loss never
 * reorder. The TCP handshake is modelled: a new connection's first bytes leave one round trip after it opened, the
 * server's half a round trip after that.
 *
 * <p>Every segment is recorded ({@link Segment}: which connection and direction, its offset in that byte stream, when
 * the proxy read it and when it handed it on) so a benchmark can attribute time and bytes per protocol frame.
 */
public final class LinkModel {
    /** TCP payload per segment on a typical path (1500 MTU − 40 bytes of IPv4/TCP headers − 12 of timestamps). */
    public static final int SEGMENT_BYTES = 1448;
    /** Bounds the trace of a long run (a benchmark's is far smaller). */
    private static final int MAX_SEGMENTS = 1_000_000;

    /** Bytes going to the server (the phone's uplink) or to the phone. */
    public enum Direction {
        UP, DOWN
    }

    /**
     * One segment through the link: bytes {@code [offset, offset + length)} of connection {@code connection}'s stream
     * in {@code direction}, read by the proxy at {@code readNanos}, handed on at {@code deliveredNanos}.
     */
    public record Segment(int connection, Direction direction, long offset, byte[] bytes, long readNanos,
            long deliveredNanos, boolean retransmitted) {
    }

    private final long bytesPerSecond;
    private final long delayNanos;
    private final long jitterNanos;
    private final double loss;
    private final long retransmitNanos;
    private final SplittableRandom random;
    private final long[] linkFreeAt = new long[Direction.values().length];
    private final List<Segment> trace = new ArrayList<>();
    private final List<TcpProxy> proxies = new ArrayList<>();
    private int connections;
    private boolean up = true;
    private boolean tracing;
    private long lastDelivered = System.nanoTime();

    /**
     * @param bitsPerSecond rate each way (0 = unlimited)
     * @param loss probability that a segment needs a retransmission
     * @param seed makes loss and jitter repeatable
     */
    public LinkModel(long bitsPerSecond, Duration oneWayDelay, Duration jitter, double loss, long seed) {
        this.bytesPerSecond = bitsPerSecond / 8;
        this.delayNanos = oneWayDelay.toNanos();
        this.jitterNanos = jitter.toNanos();
        this.loss = loss;
        this.retransmitNanos = 2 * delayNanos + Duration.ofMillis(200).toNanos();
        this.random = new SplittableRandom(seed);
    }

    /** A link with a delay and a rate only. */
    public static LinkModel shaped(long bitsPerSecond, Duration oneWayDelay) {
        return new LinkModel(bitsPerSecond, oneWayDelay, Duration.ZERO, 0, 0);
    }

    public Duration retransmitTimeout() {
        return Duration.ofNanos(retransmitNanos);
    }

    /** The best case round trip of an empty segment: twice the one-way delay. */
    public Duration roundTrip() {
        return Duration.ofNanos(2 * delayNanos);
    }

    /** Serialisation time of {@code bytes} at the link rate. */
    public long serialisationNanos(long bytes) {
        return bytesPerSecond == 0 ? 0 : bytes * 1_000_000_000L / bytesPerSecond;
    }

    /** Records segments from now on (and forgets earlier ones); start it before connections open. */
    public synchronized void startTrace() {
        trace.clear();
        tracing = true;
    }

    /** The segments recorded since {@link #startTrace()}, in the order they were handed on. */
    public synchronized List<Segment> trace() {
        return List.copyOf(trace);
    }

    /** When the link last handed a segment on (System.nanoTime), to wait for it to go quiet. */
    public synchronized long lastDeliveredNanos() {
        return lastDelivered;
    }

    /** Signal lost: every connection on the link is cut and new ones fail at once until {@link #restore()}. */
    public void cut() {
        List<TcpProxy> all;
        synchronized (this) {
            up = false;
            all = List.copyOf(proxies);
        }
        all.forEach(TcpProxy::dropConnections);
    }

    public synchronized void restore() {
        up = true;
    }

    synchronized boolean isUp() {
        return up;
    }

    synchronized void attach(TcpProxy proxy) {
        proxies.add(proxy);
    }

    synchronized void detach(TcpProxy proxy) {
        proxies.remove(proxy);
    }

    /** A new connection through the link, opened now. */
    synchronized Connection open() {
        long now = System.nanoTime();
        return new Connection(connections++, now + 2 * delayNanos, now + 3 * delayNanos);
    }

    /** One TCP connection's two byte streams on the link. */
    final class Connection {
        private final int id;
        /**
         * The handshake: the phone's first bytes leave with its ACK of the SYN-ACK (one round trip after the SYN); the
         * server learns of the connection when they arrive, so its first bytes leave half a round trip later.
         */
        private final long[] firstDeparture;
        private final long[] offsets = new long[Direction.values().length];
        private final long[] lastArrival = new long[Direction.values().length];

        private Connection(int id, long firstUp, long firstDown) {
            this.id = id;
            this.firstDeparture = new long[] {firstUp, firstDown};
        }

        /** When each segment of {@code bytes}, read now, reaches the far end; in order, never earlier than the last. */
        List<Planned> plan(Direction direction, byte[] bytes, int length) {
            long now = System.nanoTime();
            List<Planned> planned = new ArrayList<>(length / SEGMENT_BYTES + 1);
            synchronized (LinkModel.this) {
                int d = direction.ordinal();
                for (int from = 0; from < length; from += SEGMENT_BYTES) {
                    int n = Math.min(SEGMENT_BYTES, length - from);
                    long departs = Math.max(Math.max(now, linkFreeAt[d]), firstDeparture[d]);
                    linkFreeAt[d] = departs + serialisationNanos(n);
                    long arrives = linkFreeAt[d] + delayNanos
                            + (jitterNanos > 0 ? random.nextLong(jitterNanos + 1) : 0);
                    boolean retransmitted = loss > 0 && random.nextDouble() < loss;
                    if (retransmitted) {
                        arrives += retransmitNanos;
                    }
                    arrives = Math.max(arrives, lastArrival[d]);
                    lastArrival[d] = arrives;
                    planned.add(new Planned(Arrays.copyOfRange(bytes, from, from + n), offsets[d], now, arrives,
                            retransmitted));
                    offsets[d] += n;
                }
            }
            return planned;
        }

        /** Records a segment once it was handed on. */
        void delivered(Direction direction, Planned segment) {
            synchronized (LinkModel.this) {
                lastDelivered = System.nanoTime();
                if (tracing && trace.size() < MAX_SEGMENTS) {
                    trace.add(new Segment(id, direction, segment.offset(), segment.bytes(), segment.readNanos(),
                            lastDelivered, segment.retransmitted()));
                }
            }
        }
    }

    /** A segment on its way: read at {@code readNanos}, due at the far end at {@code dueNanos}. */
    record Planned(byte[] bytes, long offset, long readNanos, long dueNanos, boolean retransmitted) {
    }
}
