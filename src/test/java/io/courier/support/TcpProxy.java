package io.courier.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback TCP forwarder standing in for a phone's network: a test can cut its connections (the phone loses signal)
 * or shape them like a 2G link ({@link LinkModel}: delay, rate, jitter, loss). The kernel here has no netem, so the
 * link is modelled in user space. Several proxies (to different servers) can share one link.
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int upstreamPort;
    private final LinkModel link;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    /** An unshaped proxy. */
    public TcpProxy(int upstreamPort) throws IOException {
        this(upstreamPort, LinkModel.shaped(0, Duration.ZERO));
    }

    /** @param bitsPerSecond link rate each way (0 = unlimited) */
    public TcpProxy(int upstreamPort, long bitsPerSecond, Duration oneWayDelay) throws IOException {
        this(upstreamPort, LinkModel.shaped(bitsPerSecond, oneWayDelay));
    }

    /** A proxy to {@code upstreamPort} over {@code link}, which other proxies may share. */
    public TcpProxy(int upstreamPort, LinkModel link) throws IOException {
        this.upstreamPort = upstreamPort;
        this.link = link;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        link.attach(this);
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
            closeQuietly(socket);
        }
        sockets.clear();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (!link.isUp()) {
                    closeQuietly(client); // no signal: the connection fails at once
                    continue;
                }
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                // Each write is one segment on the modelled link: no Nagle on either leg.
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                LinkModel.Connection connection = link.open();
                pump(connection, LinkModel.Direction.UP, client, upstream);
                pump(connection, LinkModel.Direction.DOWN, upstream, client);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static final LinkModel.Planned END = new LinkModel.Planned(null, 0, 0, 0, false);

    private void pump(LinkModel.Connection connection, LinkModel.Direction direction, Socket from, Socket to) {
        BlockingQueue<LinkModel.Planned> inFlight = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[4 * 1024];
            try (InputStream in = from.getInputStream()) {
                for (int n; (n = in.read(buffer)) >= 0;) {
                    inFlight.addAll(connection.plan(direction, buffer, n));
                }
            } catch (IOException e) {
                // the sender went away
            }
            inFlight.add(END);
        }, "tcp-proxy-read");
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                for (LinkModel.Planned segment = inFlight.take(); segment != END; segment = inFlight.take()) {
                    // The link's delay, serialisation, jitter and retransmissions, as planned: the model of the
                    // link, not a wait for another thread.
                    LockSupport.parkNanos(segment.dueNanos() - System.nanoTime());
                    out.write(segment.bytes());
                    out.flush();
                    connection.delivered(direction, segment);
                }
            } catch (IOException | InterruptedException e) {
                // the receiver went away, or the proxy closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        link.detach(this);
        server.close();
        dropConnections();
    }
}
