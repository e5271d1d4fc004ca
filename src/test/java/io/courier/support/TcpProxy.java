package io.courier.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback TCP forwarder standing in for a phone's network: a test can cut its connections (the phone loses signal)
 * or shape them like a 2G link — a one-way delay and a bandwidth cap, each direction on its own. The kernel here has no
 * netem, so the link is modelled in user space.
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int upstreamPort;
    private final long bytesPerSecond;
    private final Duration oneWayDelay;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    /** An unshaped proxy. */
    public TcpProxy(int upstreamPort) throws IOException {
        this(upstreamPort, 0, Duration.ZERO);
    }

    /** @param bitsPerSecond link rate each way (0 = unlimited) */
    public TcpProxy(int upstreamPort, long bitsPerSecond, Duration oneWayDelay) throws IOException {
        this.upstreamPort = upstreamPort;
        this.bytesPerSecond = bitsPerSecond / 8;
        this.oneWayDelay = oneWayDelay;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "tcp-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Closes every open connection; new ones are accepted as before. */
    public void dropConnections() {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        sockets.clear();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** A chunk of bytes in flight on the modelled link, due at the far end at {@code dueNanos}. */
    private record Chunk(byte[] bytes, long dueNanos) {
    }

    private void pump(Socket from, Socket to) {
        BlockingQueue<Chunk> link = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[4 * 1024];
            try (InputStream in = from.getInputStream()) {
                for (int n; (n = in.read(buffer)) >= 0;) {
                    link.add(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + oneWayDelay.toNanos()));
                }
            } catch (IOException e) {
                // the sender went away
            }
            link.add(new Chunk(null, System.nanoTime() + oneWayDelay.toNanos()));
        }, "tcp-proxy-read");
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                for (Chunk chunk = link.take(); chunk.bytes() != null; chunk = link.take()) {
                    // Propagation delay, then serialisation at the link rate: the model of the link, not a wait
                    // for another thread.
                    LockSupport.parkNanos(chunk.dueNanos() - System.nanoTime());
                    out.write(chunk.bytes());
                    out.flush();
                    if (bytesPerSecond > 0) {
                        LockSupport.parkNanos(chunk.bytes().length * 1_000_000_000L / bytesPerSecond);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the receiver went away, or the proxy closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
        }, "tcp-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropConnections();
    }
}
