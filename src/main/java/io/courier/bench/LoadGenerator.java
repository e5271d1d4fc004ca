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
import java.util.function.BiConsumer;
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
        long total = duration.toSeconds() * messagesPerSecond;
        AtomicLong acked = new AtomicLong();
        CountDownLatch allDelivered = new CountDownLatch((int) total);
        CountDownLatch drained = new CountDownLatch(pairs.size());
        List<Link> senders = new ArrayList<>();
        List<Link> recipients = new ArrayList<>();
        for (Pair pair : pairs) {
            senders.add(new Link(pair.sender(), (link, frame) -> {
                if (frame.hasSendAck()) {
                    Long at = awaitingAck.remove(frame.getSendAck().getClientMessageId());
                    if (at != null) {
                        sendAck.recordNanos(System.nanoTime() - at);
                        acked.incrementAndGet();
                    }
                }
            }));
            recipients.add(new Link(pair.recipient(), (link, frame) -> {
                if (frame.hasQueueEmpty()) {
                    drained.countDown();
                } else if (frame.hasDelivery()) {
                    Long at = awaitingDelivery.remove(frame.getDelivery().getClientMessageId());
                    if (at != null) {
                        delivery.recordNanos(System.nanoTime() - at);
                        allDelivered.countDown();
                    }
                    link.send(ConnectRequest.newBuilder()
                            .setAck(Ack.newBuilder().addServerIds(frame.getDelivery().getServerId())).build());
                }
            }));
        }
        if (!drained.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("recipient streams did not drain within 60 s");
        }

        byte[] payload = new byte[payloadBytes];
        ThreadLocalRandom.current().nextBytes(payload);
        ByteString ciphertext = ByteString.copyFrom(payload);
        long interval = TimeUnit.SECONDS.toNanos(1) / messagesPerSecond;
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
            senders.get(p).send(frame);
        }
        allDelivered.await(30, TimeUnit.SECONDS); // the stragglers; what never arrives shows in the counts
        double seconds = (System.nanoTime() - start) / 1e9;
        senders.forEach(Link::close);
        recipients.forEach(Link::close);
        return new Result(total, acked.get(), total - allDelivered.getCount(), seconds, sendAck, delivery);
    }

    /** One device's stream; writes are serialised, and a handler may answer on it from the first frame. */
    private final class Link {
        private final StreamObserver<ConnectRequest> up;

        Link(Device device, BiConsumer<Link, ConnectResponse> onFrame) {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, "Bearer " + device.authToken());
            synchronized (this) { // a frame handler's send() waits until up is set
                up = MessagingServiceGrpc.newStub(channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                        .connect(new StreamObserver<>() {
                            @Override
                            public void onNext(ConnectResponse value) {
                                onFrame.accept(Link.this, value);
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

        synchronized void send(ConnectRequest frame) {
            up.onNext(frame);
        }

        synchronized void close() {
            up.onCompleted();
        }
    }
}
