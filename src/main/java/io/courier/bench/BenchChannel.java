package io.courier.bench;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * A plaintext channel whose transport (one event loop) and callbacks run only on threads of its own, named
 * {@value #THREAD_PREFIX}…: the load generator runs in the node's JVM, and this is how the node's CPU time is told
 * apart from the generator's. gRPC's shared default threads would be indistinguishable from any other client's.
 */
public final class BenchChannel implements AutoCloseable {
    public static final String THREAD_PREFIX = "bench-client-";

    private final EventLoopGroup eventLoop = new NioEventLoopGroup(1,
            new DefaultThreadFactory(THREAD_PREFIX + "loop", true));
    private final ExecutorService callbacks = Executors.newCachedThreadPool(
            new DefaultThreadFactory(THREAD_PREFIX + "callback", true));
    private final ManagedChannel channel;

    public BenchChannel(String host, int port) {
        // One connection has one event loop whatever the group's size; the cached pool is gRPC's default executor.
        channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().eventLoopGroup(eventLoop)
                .channelType(NioSocketChannel.class).executor(callbacks).build();
    }

    public ManagedChannel channel() {
        return channel;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        callbacks.shutdownNow();
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }
}
