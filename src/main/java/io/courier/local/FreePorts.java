package io.courier.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Picks loopback ports nobody is listening on; other processes on a shared machine may hold any fixed port. */
public final class FreePorts {
    private FreePorts() {
    }

    public static int pick() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** The preferred port if it is free (so a restarted node keeps its ports), else any free one. */
    public static int preferring(int preferred) {
        if (preferred > 0) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), preferred));
                return preferred;
            } catch (IOException taken) {
                // fall through to any free port
            }
        }
        return pick();
    }
}
