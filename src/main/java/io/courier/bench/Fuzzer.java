package io.courier.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.google.protobuf.ByteString;

import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.Ping;
import io.courier.api.v1.Read;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * Authenticated devices that write garbage on their Connect streams as fast as the transport takes it: random bytes,
 * real frames with flipped bits, truncated frames. A stream the server closes is reopened at once. Reads every
 * down-frame, so what slows it is the server's handling of garbage, not its own refusal to read.
 */
public final class Fuzzer implements AutoCloseable {
    /** @param statuses how the server ended the fuzzer's streams, by status code */
    public record Result(long framesWritten, long streamsOpened, Map<String, Long> statuses) {
    }

    private final Channel channel;
    private final List<byte[]> seeds;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    private final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
    private final Set<ClientCall<byte[], byte[]>> open = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopped;
    private volatile boolean running = true;

    /** Starts one fuzzing stream per token. */
    public Fuzzer(Channel channel, List<String> authTokens, ByteString someAccount) {
        this.channel = channel;
        this.seeds = List.of(
                ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(7)
                        .setRecipientAccountId(someAccount).addEnvelopes(DeviceEnvelope.newBuilder().setDeviceId(1)
                                .setRegistrationId(1).setCiphertext(LoadGenerator.randomBytes(200)))).build()
                        .toByteArray(),
                ConnectRequest.newBuilder().setAck(Ack.newBuilder().addServerIds(1).addServerIds(2)).build()
                        .toByteArray(),
                ConnectRequest.newBuilder().setRead(Read.newBuilder().setSenderAccountId(someAccount)
                        .addServerIds(3)).build().toByteArray(),
                ConnectRequest.newBuilder().setPing(Ping.newBuilder().setNonce(9)).build().toByteArray());
        this.stopped = new CountDownLatch(authTokens.size());
        authTokens.forEach(token -> open(token, new SplittableRandom(token.hashCode())));
    }

    private void open(String token, SplittableRandom random) {
        if (!running) {
            stopped.countDown();
            return;
        }
        opened.incrementAndGet();
        ClientCall<byte[], byte[]> call = RawConnect.newCall(channel);
        open.add(call);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onReady() {
                pump(call, random);
            }

            @Override
            public void onMessage(byte[] message) {
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                open.remove(call);
                statuses.computeIfAbsent(status.getCode().name(), c -> new AtomicLong()).incrementAndGet();
                open(token, random);
            }
        }, RawConnect.bearer(token));
        call.request(1);
        pump(call, random);
    }

    private void pump(ClientCall<byte[], byte[]> call, SplittableRandom random) {
        synchronized (call) {
            while (running && call.isReady()) {
                call.sendMessage(garbage(random));
                written.incrementAndGet();
            }
        }
    }

    /**
     * Mostly real frames with 1–3 flipped bits (many still decode, as frames the node must refuse), and one in
     * twenty each random bytes or a real frame cut short (which mostly don't decode, and end the stream).
     */
    private byte[] garbage(SplittableRandom random) {
        int kind = random.nextInt(20);
        if (kind == 0) {
            byte[] bytes = new byte[1 + random.nextInt(300)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) random.nextInt(256);
            }
            return bytes;
        }
        byte[] frame = seeds.get(random.nextInt(seeds.size())).clone();
        if (kind > 1) {
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                frame[random.nextInt(frame.length)] ^= (byte) (1 << random.nextInt(8));
            }
            return frame;
        }
        return Arrays.copyOf(frame, random.nextInt(frame.length));
    }

    /** Stops writing, ends every stream and reports. */
    public Result stop(Duration timeout) throws InterruptedException {
        running = false;
        open.forEach(call -> call.cancel("fuzzing over", null));
        stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, Long> counts = new TreeMap<>();
        statuses.forEach((code, count) -> counts.put(code, count.get()));
        return new Result(written.get(), opened.get(), counts);
    }

    public long framesWritten() {
        return written.get();
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(5));
    }
}
