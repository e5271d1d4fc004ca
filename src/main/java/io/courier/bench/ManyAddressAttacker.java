package io.courier.bench;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.api.v1.PresenceSubscribe;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;

/**
 * Many registered devices, each behind a source network of its own, that reconnect over and over and subscribe to
 * the presence of random account ids on every stream. Each token's calls carry an {@code x-forwarded-for} of its own
 * IPv6 /64, so a node that trusts the benchmark's loopback address as a proxy sees as many source networks as
 * tokens. A token's stream subscribes to fresh random ids at once; when all are answered (or the frame is refused)
 * it is cancelled and the token waits for its turn to reconnect. Reconnects are paced across all tokens at a fixed
 * rate of attempted opens — refused opens included — so the attacker's own CPU in this JVM stays bounded; the node's
 * per-token stream-open budget decides which opens it admits.
 */
public final class ManyAddressAttacker implements AutoCloseable {
    /**
     * @param opens            stream opens attempted
     * @param subscribes       PresenceSubscribe frames sent (one per stream the node let the frame through to)
     * @param events           presence events received (each subscribed id answers one)
     * @param streamEnds       how the node ended streams, by status code (the attacker's own cancels left out)
     * @param refusedFrames    FrameErrors by code
     */
    public record Result(long opens, long subscribes, long events, Map<String, Long> streamEnds,
            Map<String, Long> refusedFrames) {
    }

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> FORWARDED_FOR =
            Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);

    private final List<? extends Channel> channels;
    private final List<String> tokens;
    private final int idsPerFrame;
    private final Queue<Integer> waiting = new ConcurrentLinkedQueue<>();
    private final Set<Stream> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong opens = new AtomicLong();
    private final AtomicLong subscribes = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final Map<String, Long> streamEnds = new ConcurrentHashMap<>();
    private final Map<String, Long> refusedFrames = new ConcurrentHashMap<>();
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "many-address-attacker");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean running = true;

    /**
     * Starts at once: every token connects in turn, {@code opensPerSecond} attempts a second in all.
     *
     * @param idsPerFrame random ids per PresenceSubscribe (the node allows 256); 0: no frame, each stream hangs up at
     *                    its first QueueEmpty (reconnect churn alone)
     */
    public ManyAddressAttacker(List<? extends Channel> channels, List<String> tokens, int idsPerFrame,
            int opensPerSecond) {
        this.channels = List.copyOf(channels);
        this.tokens = List.copyOf(tokens);
        this.idsPerFrame = idsPerFrame;
        IntStream.range(0, tokens.size()).forEach(waiting::add);
        pacer.scheduleAtFixedRate(this::openNext, 0, 1_000_000_000L / opensPerSecond, TimeUnit.NANOSECONDS);
    }

    /** The /64 token {@code i} connects from: 2001:db8:(i/65536):(i%65536)::1, a documentation prefix. */
    static String networkOf(int token) {
        return "2001:db8:%x:%x::1".formatted(token >>> 16, token & 0xFFFF);
    }

    private void openNext() {
        Integer token = waiting.poll();
        if (token == null || !running) {
            if (token != null) {
                waiting.add(token);
            }
            return;
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + tokens.get(token));
        headers.put(FORWARDED_FOR, networkOf(token));
        Stream stream = new Stream(token);
        open.add(stream);
        opens.incrementAndGet();
        MessagingServiceGrpc.newStub(channels.get(token % channels.size()))
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).connect(stream);
    }

    /** One stream of one token: subscribe at once, hang up when every id is answered or the frame is refused. */
    private final class Stream implements ClientResponseObserver<ConnectRequest, ConnectResponse> {
        private final int token;
        private ClientCallStreamObserver<ConnectRequest> up;
        private int answered;
        private boolean subscribed;
        private volatile boolean hungUp;

        Stream(int token) {
            this.token = token;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ConnectRequest> requestStream) {
            up = requestStream;
            up.setOnReadyHandler(this::subscribeOnce);
        }

        /** On the call's executor once the transport is ready: the frame goes out as the first of the stream. */
        private void subscribeOnce() {
            if (subscribed || hungUp || idsPerFrame == 0) {
                return;
            }
            subscribed = true;
            up.onNext(ConnectRequest.newBuilder().setPresenceSubscribe(PresenceSubscribe.newBuilder()
                    .addAllAccountIds(IntStream.range(0, idsPerFrame).mapToObj(i -> LoadGenerator.randomBytes(16))
                            .toList())).build());
            subscribes.incrementAndGet();
        }

        @Override
        public void onNext(ConnectResponse frame) {
            switch (frame.getFrameCase()) {
                case PRESENCE -> {
                    events.incrementAndGet();
                    if (++answered == idsPerFrame) {
                        hangUp();
                    }
                }
                // Without ids to subscribe the stream is pure churn: hang up once the node has opened it.
                case QUEUE_EMPTY -> {
                    if (idsPerFrame == 0) {
                        hangUp();
                    }
                }
                case ERROR -> {
                    refusedFrames.merge(frame.getError().getCode().name().replace("FRAME_ERROR_CODE_", ""), 1L,
                            Long::sum);
                    hangUp();
                }
                // Deliveries (copies of the group flooder's messages: these accounts are its group's members),
                // receipts and group events are acked like a client does, so the queues don't hold them back.
                case DELIVERY -> up.onNext(LoadGenerator.ack(frame.getDelivery().getServerId()));
                case GROUP_EVENT -> up.onNext(LoadGenerator.ack(frame.getGroupEvent().getServerId()));
                case RECEIPT -> up.onNext(LoadGenerator.ack(frame.getReceipt().getServerId()));
                default -> {
                }
            }
        }

        private void hangUp() {
            hungUp = true;
            up.cancel("reconnecting", null);
        }

        @Override
        public void onError(Throwable t) {
            if (!hungUp) {
                streamEnds.merge(Status.fromThrowable(t).getCode().name(), 1L, Long::sum);
            }
            ended();
        }

        @Override
        public void onCompleted() {
            streamEnds.merge("OK", 1L, Long::sum);
            ended();
        }

        private void ended() {
            open.remove(this);
            waiting.add(token);
        }
    }

    /** Stops opening streams at once (e.g. before the node runs out of heap); {@link #stop} still collects. */
    public void halt() {
        running = false;
    }

    /** Stops reconnecting, cancels every open stream and returns what happened. */
    public Result stop() throws InterruptedException {
        running = false;
        pacer.shutdownNow();
        pacer.awaitTermination(5, TimeUnit.SECONDS);
        for (Stream stream : List.copyOf(open)) {
            stream.hungUp = true;
            if (stream.up != null) {
                stream.up.cancel("benchmark over", null);
            }
        }
        return new Result(opens.get(), subscribes.get(), events.get(), new TreeMap<>(streamEnds),
                new TreeMap<>(refusedFrames));
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** "CODE:count,…" for a RESULT line, or "none". */
    static String counts(Map<String, Long> counts) {
        return counts.isEmpty() ? "none" : counts.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
