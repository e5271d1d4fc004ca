package io.courier.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.courier.api.v1.ConnectRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;

/**
 * The floor under the message rate from gRPC itself: a bare grpc-java server (Netty, no Quarkus, no Courier code) on
 * a free loopback port with one bidi method that forwards every frame of one stream (A) to another (B), and a client
 * that opens B, then A, on one connection and writes the benchmark's Send frames (same size) into A open loop, as
 * fast as flow control lets it. The floor is the frames per second arriving on B after a warm-up. Flow control is end
 * to end, as a node's must be: the relay asks A for its next frame only while B takes more. Both ends run callbacks
 * on their event loop (direct executor), the cheapest grpc-java allows.
 */
public final class RelayFloor {
    /** Frames received on B in the measured window, and per second. */
    public record Result(long frames, double perSecond) {
    }

    private static final String SERVICE = "courier.bench.Relay";
    private static final MethodDescriptor.Marshaller<ConnectRequest> FRAMES =
            ProtoUtils.marshaller(ConnectRequest.getDefaultInstance());
    private static final MethodDescriptor<ConnectRequest, ConnectRequest> RELAY =
            MethodDescriptor.<ConnectRequest, ConnectRequest>newBuilder()
                    .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Relay"))
                    .setRequestMarshaller(FRAMES).setResponseMarshaller(FRAMES).build();
    /** Which end of the relay a call is: the source (A) sends, the sink (B) receives. */
    private static final Metadata.Key<String> ROLE = Metadata.Key.of("relay-role", Metadata.ASCII_STRING_MARSHALLER);
    private static final String SINK = "sink";
    private static final String SOURCE = "source";
    /** A registration id as libsignal makes them (14 bits), so the frame is as long as the generator's. */
    private static final int REGISTRATION_ID = 16_000;

    private RelayFloor() {
    }

    public static Result run(Duration warmUp, Duration measured, int payloadBytes)
            throws IOException, InterruptedException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(loopback, 0)).directExecutor()
                .addService(ServerServiceDefinition.builder(SERVICE).addMethod(RELAY, new Relay()).build())
                .build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress(new InetSocketAddress(loopback, server.getPort()))
                .usePlaintext().directExecutor().build();
        try {
            AtomicLong received = new AtomicLong();
            ClientCall<ConnectRequest, ConnectRequest> sink = channel.newCall(RELAY, CallOptions.DEFAULT);
            sink.start(new ClientCall.Listener<>() {
                @Override
                public void onMessage(ConnectRequest frame) {
                    received.incrementAndGet();
                    sink.request(1);
                }
            }, role(SINK));
            sink.request(1);
            ConnectRequest frame = LoadGenerator.sendFrame(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE),
                    new LoadGenerator.Device("", LoadGenerator.randomBytes(16), REGISTRATION_ID),
                    LoadGenerator.randomBytes(payloadBytes));
            ClientCall<ConnectRequest, ConnectRequest> source = channel.newCall(RELAY, CallOptions.DEFAULT);
            source.start(new ClientCall.Listener<>() {
                @Override
                public void onReady() {
                    while (source.isReady()) {
                        source.sendMessage(frame);
                    }
                }
            }, role(SOURCE));
            Thread.sleep(warmUp.toMillis());
            long before = received.get();
            long start = System.nanoTime();
            Thread.sleep(measured.toMillis());
            long frames = received.get() - before;
            return new Result(frames, frames / ((System.nanoTime() - start) / 1e9));
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS); // cancels both calls: the sender stops
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static Metadata role(String role) {
        Metadata headers = new Metadata();
        headers.put(ROLE, role);
        return headers;
    }

    /**
     * Moves the source's frames to the sink. Its fields need no locks: with the direct executor every callback of
     * both calls runs on the event loop of their one connection.
     */
    private static final class Relay implements ServerCallHandler<ConnectRequest, ConnectRequest> {
        private final CompletableFuture<ServerCall<ConnectRequest, ConnectRequest>> sink = new CompletableFuture<>();
        private ServerCall<ConnectRequest, ConnectRequest> source;
        /** A frame went to the sink while it was full: the source's next is asked for when the sink is ready. */
        private boolean waiting;

        @Override
        public ServerCall.Listener<ConnectRequest> startCall(ServerCall<ConnectRequest, ConnectRequest> call,
                Metadata headers) {
            if (SINK.equals(headers.get(ROLE))) {
                call.sendHeaders(new Metadata());
                sink.complete(call);
                return new ServerCall.Listener<>() {
                    @Override
                    public void onReady() {
                        if (waiting && call.isReady()) {
                            waiting = false;
                            source.request(1);
                        }
                    }
                };
            }
            source = call;
            sink.thenRun(() -> call.request(1)); // the client opens the sink first; this only guards the order
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(ConnectRequest frame) {
                    ServerCall<ConnectRequest, ConnectRequest> to = sink.join();
                    to.sendMessage(frame);
                    if (to.isReady()) {
                        call.request(1);
                    } else {
                        waiting = true;
                    }
                }
            };
        }
    }
}
