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

import com.google.protobuf.ByteString;

import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.api.v1.OutgoingMessage;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/**
 * Open-loop load: device pairs over real Connect streams, one message every 1/rate seconds round-robin over the
 * pairs, whatever the server's pace. Latencies count from the scheduled send time, so a stalled server shows up in
 * the percentiles instead of quietly slowing the generator (no coordinated omission). Payloads are opaque bytes of
 * a typical ciphertext size: this measures the server, not client-side crypto.
 */
public final class LoadGenerator {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** One registered device with keys uploaded. */
    public record Device(String authToken, ByteString accountId, int registrationId) {
    }

    public record Pair(Device sender, Device recipient) {
    }

    public record Result(long scheduled, long acked, long delivered, double seconds, LatencyStats sendAck,
            LatencyStats delivery) {
    }

    private final Channel channel;

    public LoadGenerator(Channel channel) {
        this.channel = channel;
    }

    public Result run(List<Pair> pairs, int messagesPerSecond, Duration duration, int payloadBytes)
            throws InterruptedException {
        // Two maps: a delivery may overtake its own SendAck, and each side removes only its own entry.
        Map<Long, Long> awaitingAck = new ConcurrentHashMap<>();
        Map<Long, Long> awaitingDelivery = new ConcurrentHashMap<>();
        LatencyStats sendAck = new LatencyStats();
        LatencyStats delivery = new LatencyStats();
        AtomicLong acked = new AtomicLong();
        AtomicLong delivered = new AtomicLong();
        CountDownLatch drained = new CountDownLatch(pairs.size());
        List<StreamObserver<ConnectRequest>> senders = new ArrayList<>();
        List<StreamObserver<ConnectRequest>> recipients = new ArrayList<>();
        for (Pair pair : pairs) {
            senders.add(open(pair.sender(), frame -> {
                if (frame.hasSendAck()) {
                    Long at = awaitingAck.remove(frame.getSendAck().getClientMessageId());
                    if (at != null) {
                        sendAck.recordNanos(System.nanoTime() - at);
                        acked.incrementAndGet();
                    }
                }
            }));
            StreamObserver<ConnectRequest>[] self = new StreamObserver[1];
            self[0] = open(pair.recipient(), frame -> {
                if (frame.hasQueueEmpty()) {
                    drained.countDown();
                } else if (frame.hasDelivery()) {
                    Long at = awaitingDelivery.remove(frame.getDelivery().getClientMessageId());
                    if (at != null) {
                        delivery.recordNanos(System.nanoTime() - at);
                        delivered.incrementAndGet();
                    }
                    synchronized (self) {
                        self[0].onNext(ConnectRequest.newBuilder()
                                .setAck(Ack.newBuilder().addServerIds(frame.getDelivery().getServerId())).build());
                    }
                }
            });
            recipients.add(self[0]);
        }
        if (!drained.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("recipient streams did not drain within 60 s");
        }

        byte[] payload = new byte[payloadBytes];
        ThreadLocalRandom.current().nextBytes(payload);
        ByteString ciphertext = ByteString.copyFrom(payload);
        long interval = TimeUnit.SECONDS.toNanos(1) / messagesPerSecond;
        long total = duration.toSeconds() * messagesPerSecond;
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long at = start + i * interval;
            long wait = at - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int p = (int) (i % pairs.size());
            Pair pair = pairs.get(p);
            long clientId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
            awaitingAck.put(clientId, at);
            awaitingDelivery.put(clientId, at);
            ConnectRequest frame = ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder()
                    .setClientMessageId(clientId)
                    .setRecipientAccountId(pair.recipient().accountId())
                    .addEnvelopes(DeviceEnvelope.newBuilder().setDeviceId(1)
                            .setRegistrationId(pair.recipient().registrationId())
                            .setType(EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE).setCiphertext(ciphertext)))
                    .build();
            StreamObserver<ConnectRequest> sender = senders.get(p);
            synchronized (sender) {
                sender.onNext(frame);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (delivered.get() < total && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling counters at the end of a run
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        senders.forEach(StreamObserver::onCompleted);
        recipients.forEach(StreamObserver::onCompleted);
        return new Result(total, acked.get(), delivered.get(), seconds, sendAck, delivery);
    }

    private StreamObserver<ConnectRequest> open(Device device, java.util.function.Consumer<ConnectResponse> onFrame) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + device.authToken());
        return MessagingServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .connect(new StreamObserver<>() {
                    @Override
                    public void onNext(ConnectResponse value) {
                        onFrame.accept(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        // the run's counters show what was lost
                    }

                    @Override
                    public void onCompleted() {
                        // nothing to do
                    }
                });
    }
}
