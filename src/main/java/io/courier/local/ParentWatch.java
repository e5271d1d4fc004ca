package io.courier.local;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Main class of every child JVM the local infrastructure starts: it runs the real main class given as the first
 * argument and exits the JVM as soon as the parent is gone. The parent holds the child's stdin open for its whole
 * life, so end-of-stream on stdin means the parent exited, however it exited (Ctrl-C, crash, kill -9); a stray
 * Cassandra would otherwise keep the data folder locked and a port taken.
 *
 * <p>The launcher copies this class file alone onto the child's classpath: it must only use the JDK.
 */
public final class ParentWatch {
    private ParentWatch() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: ParentWatch <main class> [args...]");
        }
        Thread watcher = new Thread(ParentWatch::exitWhenStdinCloses, "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    }

    private static void exitWhenStdinCloses() {
        InputStream in = System.in;
        byte[] buffer = new byte[64];
        try {
            while (in.read(buffer) >= 0) {
                // The parent never writes; anything read is ignored.
            }
        } catch (IOException e) {
            // A broken pipe means the same thing as end-of-stream.
        }
        // Shutdown hooks run, so Cassandra flushes and stops cleanly.
        System.exit(0);
    }
}
