package io.courier.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import com.google.protobuf.ByteString;

import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.Ping;
import io.courier.api.v1.Read;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * One authenticated device that floods its stream with every kind of up-frame as fast as its connection takes them,
 * and never reads its down-frames. It writes only while its own transport is ready, so its buffers stay small: any
 * memory that grows is the server's.
 */
public final class Abuser implements ClientResponseObserver<ConnectRequest, ConnectResponse> {
    /** A frame kind and the prebuilt frame that is sent for it, over and over. */
    private record Kind(String name, ConnectRequest frame) {
    }

    /**
     * @param status how the stream ended, or null if the server still kept it open at the end
     * @param sent   up-frames written, by kind
     * @param received down-frames read after the flood stopped, by kind
     */
    public record Result(Status status, Map<String, Long> sent, Map<String, Long> received) {
        /** The status code, or "open" if the server never closed the stream. */
        public String statusName() {
            return status == null ? "open" : status.getCode().name();
        }
    }

    private final List<Kind> kinds;
    private final Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
    private final Map<String, Long> received = new ConcurrentHashMap<>();
    private final CompletableFuture<Status> closed = new CompletableFuture<>();
    private volatile boolean flooding = true;
    private ClientCallStreamObserver<ConnectRequest> up;
    private long next;

    /**
     * @param idsPerFrame      ids in each Ack and Read (far more than any window)
     * @param maxEnvelopeBytes the server's envelope limit: the oversized Send exceeds it by one byte
     */
    public Abuser(Channel channel, String authToken, int idsPerFrame, int maxEnvelopeBytes) {
        ByteString stranger = LoadGenerator.randomBytes(16);
        kinds = List.of(
                new Kind("ack", ConnectRequest.newBuilder().setAck(Ack.newBuilder()
                        .addAllServerIds(randomIds(idsPerFrame))).build()),
                new Kind("read", ConnectRequest.newBuilder().setRead(Read.newBuilder()
                        .setSenderAccountId(stranger).addAllServerIds(randomIds(idsPerFrame))).build()),
                new Kind("ping", ConnectRequest.newBuilder().setPing(Ping.newBuilder().setNonce(42)).build()),
                new Kind("send_unknown_recipient", send(stranger, 1024)),
                new Kind("send_oversized", send(stranger, maxEnvelopeBytes + 1)),
                new Kind("empty_frame", ConnectRequest.getDefaultInstance()));
        DeviceLink.stub(channel, authToken).connect(this);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ConnectRequest> requestStream) {
        up = requestStream;
        up.disableAutoRequestWithInitial(0); // never reads: the server's writes to it must not pile up anywhere
        up.setOnReadyHandler(this::flood);
    }

    /** Runs on the call's serial executor whenever the transport can take more. */
    private void flood() {
        while (flooding && up.isReady()) {
            Kind kind = kinds.get((int) (next++ % kinds.size()));
            up.onNext(kind.frame());
            sent.computeIfAbsent(kind.name(), k -> new AtomicLong()).incrementAndGet();
        }
    }

    @Override
    public void onNext(ConnectResponse frame) {
        String kind = frame.hasError() ? "error_" + frame.getError().getCode().name() : frame.getFrameCase().name();
        received.merge(kind.toLowerCase(), 1L, Long::sum);
    }

    @Override
    public void onError(Throwable t) {
        closed.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        closed.complete(Status.OK);
    }

    /** Stops writing at once (e.g. before the node runs out of heap); {@link #stop} still collects the result. */
    public void halt() {
        flooding = false;
    }

    /**
     * Stops flooding, then reads what the server queued (grpc-java reports a status only after the frames before
     * it were read) and waits up to {@code timeout} for the stream to end; a stream still open then is cancelled.
     */
    public Result stop(Duration timeout) throws InterruptedException {
        flooding = false;
        up.request(Integer.MAX_VALUE);
        Status status;
        try {
            status = closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillOpen) {
            status = null;
            up.cancel("benchmark over", null);
        } catch (ExecutionException impossible) { // closed is only ever completed normally
            throw new IllegalStateException(impossible);
        }
        Map<String, Long> sentCounts = new TreeMap<>();
        sent.forEach((kind, count) -> sentCounts.put(kind, count.get()));
        return new Result(status, sentCounts, new TreeMap<>(received));
    }

    private static ConnectRequest send(ByteString recipient, int envelopeBytes) {
        return ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder()
                .setClientMessageId(ThreadLocalRandom.current().nextLong())
                .setRecipientAccountId(recipient)
                .addEnvelopes(DeviceEnvelope.newBuilder().setDeviceId(1).setRegistrationId(1)
                        .setType(EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE)
                        .setCiphertext(LoadGenerator.randomBytes(envelopeBytes))))
                .build();
    }

    private static List<Long> randomIds(int count) {
        return ThreadLocalRandom.current().longs(count).boxed().toList();
    }
}
