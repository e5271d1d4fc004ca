package io.courier.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The floor of a messaging hop: a bare TCP relay that copies whatever one of its two connections sends to the other,
 * as it arrives. No framing, no storage, no acknowledgements — what a message costs on a link with nothing on top.
 */
final class TcpRelay implements AutoCloseable {
    private final ServerSocket server;

    TcpRelay() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::pairUp, "tcp-relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections are paired in the order they arrive: first with second, third with fourth. */
    private void pairUp() {
        try {
            while (!server.isClosed()) {
                Socket a = server.accept();
                Socket b = server.accept();
                a.setTcpNoDelay(true);
                b.setTcpNoDelay(true);
                copy(a, b);
                copy(b, a);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private static void copy(Socket from, Socket to) {
        Thread copier = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0;) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side went away
            }
        }, "tcp-relay-copy");
        copier.setDaemon(true);
        copier.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
