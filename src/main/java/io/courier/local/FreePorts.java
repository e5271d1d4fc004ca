package io.courier.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/** Picks loopback ports nobody is listening on; other processes on a shared machine may hold any fixed port. */
public final class FreePorts {
    private static final int BELOW_EPHEMERAL_FROM = 20_000;
    private static final int BELOW_EPHEMERAL_TO = 32_000;
    /** Handed out by this JVM: two picks before either is bound must not get the same port. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private FreePorts() {
    }

    /**
     * A port below Linux's ephemeral range (32768 and up): the kernel hands those to outgoing connections, so a port
     * picked there can be taken by any client socket (a database driver's, say) before its server binds it.
     */
    public static int pick() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int candidate = ThreadLocalRandom.current().nextInt(BELOW_EPHEMERAL_FROM, BELOW_EPHEMERAL_TO);
            if (!HANDED_OUT.contains(candidate) && isFree(candidate) && HANDED_OUT.add(candidate)) {
                return candidate;
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** The first port above {@code taken}, at most {@code within} ports up, that is free on every interface. */
    public static OptionalInt firstFreeAbove(int taken, int within) {
        return IntStream.rangeClosed(taken + 1, Math.min(65_535, taken + within)).filter(FreePorts::isFree)
                .findFirst();
    }

    /** Free on every interface: servers here bind the wildcard address as often as loopback. */
    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException taken) {
            return false;
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
