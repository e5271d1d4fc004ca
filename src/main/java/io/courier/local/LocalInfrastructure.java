package io.courier.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.courier.common.Futures;

/**
 * The embedded default: a local Cassandra (for ScyllaDB) and S3Proxy (for MinIO), each in a child JVM, with all
 * data under one folder. Used by the default run and, once per run, by the test suite. Children never outlive the
 * JVM that started them (see {@link ParentWatch}); a shutdown hook stops them cleanly on Ctrl-C. More nodes on the
 * same machine attach to the infrastructure of the same folder instead of starting their own (local multi-node).
 */
public final class LocalInfrastructure implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LocalInfrastructure.class);
    private static final String ENDPOINTS = "endpoints.properties";

    /** What the node that started the infrastructure holds: the folder's lock and the children. */
    private record Owned(Path endpointsFile, FileChannel lockChannel, FileLock lock, CassandraNode cassandra,
            S3ProxyNode s3) {
    }

    private final LocalEndpoints endpoints;
    /** Null when attached to another node's infrastructure. */
    private final Owned owned;
    private final Thread shutdownHook;

    private LocalInfrastructure(LocalEndpoints endpoints, Owned owned) {
        this.endpoints = endpoints;
        this.owned = owned;
        this.shutdownHook = owned == null ? null : new Thread(this::stopChildren, "courier-local-infra-stop");
        if (shutdownHook != null) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    /**
     * Starts both components in parallel under {@code dataDir}, or, when another process already runs them for that
     * folder, attaches to them (waiting up to {@code startTimeout} for them to come up).
     *
     * @param javaExecutable the java to run them with; Cassandra 5.0 needs Java 11 or 17
     */
    public static LocalInfrastructure start(Path dataDir, Path javaExecutable, Duration startTimeout) {
        Path base = dataDir.toAbsolutePath();
        long started = System.nanoTime();
        FileChannel channel = null;
        try {
            Files.createDirectories(base);
            channel = FileChannel.open(base.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                closeQuietly(channel);
                return attach(base, startTimeout);
            }
            Path endpointsFile = base.resolve(ENDPOINTS);
            EndpointsFile.delete(endpointsFile); // left behind by a node that was killed
            LOG.infof("Starting local Cassandra and S3Proxy under %s", base);
            String accessKey = "local-" + randomHex(6);
            String secretKey = randomHex(20);
            CompletableFuture<Timed<CassandraNode>> cassandra = CompletableFuture.supplyAsync(() -> Timed.of(
                    () -> CassandraNode.start(base.resolve("cassandra"), javaExecutable, startTimeout)));
            CompletableFuture<Timed<S3ProxyNode>> s3 = CompletableFuture.supplyAsync(() -> Timed.of(
                    () -> S3ProxyNode.start(base.resolve("s3proxy"), javaExecutable, accessKey, secretKey,
                            startTimeout)));
            Timed<CassandraNode> cassandraStart = join(cassandra, s3);
            Timed<S3ProxyNode> s3Start = join(s3, cassandra);
            CassandraNode cassandraNode = cassandraStart.value();
            S3ProxyNode s3Node = s3Start.value();
            LocalEndpoints endpoints = new LocalEndpoints("127.0.0.1", cassandraNode.cqlPort(),
                    CassandraNode.DATACENTER, s3Node.endpoint(), s3Node.accessKey(), s3Node.secretKey());
            LocalInfrastructure infra = new LocalInfrastructure(endpoints,
                    new Owned(endpointsFile, channel, lock, cassandraNode, s3Node));
            EndpointsFile.write(endpointsFile, endpoints);
            LOG.infof("Local infrastructure up in %.1f s (Cassandra %.1f s, S3Proxy %.1f s): CQL 127.0.0.1:%d, S3 %s",
                    (System.nanoTime() - started) / 1e9, cassandraStart.seconds(), s3Start.seconds(),
                    endpoints.cqlPort(), endpoints.s3Endpoint());
            return infra;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("could not use data folder " + base, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Null if another process (or this one) holds the folder. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldByThisJvm) {
            return null;
        }
    }

    /** Another node started (or is starting) the infrastructure of this folder: use it, own nothing. */
    private static LocalInfrastructure attach(Path base, Duration timeout) {
        LOG.infof("Another node runs the local infrastructure under %s; attaching to it", base);
        Path file = base.resolve(ENDPOINTS);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<LocalEndpoints> live = EndpointsFile.readLive(file);
            if (live.isPresent()) {
                LOG.infof("Attached to the local infrastructure: CQL 127.0.0.1:%d, S3 %s", live.get().cqlPort(),
                        live.get().s3Endpoint());
                return new LocalInfrastructure(live.get(), null);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the local infrastructure under " + base + " did not come up within "
                        + timeout.toSeconds() + " s (the node holding " + base.resolve(".lock")
                        + " should start it); stop that node or use another courier.local.data-dir");
            }
            try {
                // Another process is starting it: there is nothing to wait on but time.
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the local infrastructure", e);
            }
        }
    }

    /** A component's start and how long it took (each line of the start names its phases' times). */
    private record Timed<T>(T value, double seconds) {
        static <T> Timed<T> of(Supplier<T> start) {
            long began = System.nanoTime();
            T value = start.get();
            return new Timed<>(value, (System.nanoTime() - began) / 1e9);
        }
    }

    /** Joins one start, closing the other component if this one failed so nothing is left running. */
    private static <T, O extends AutoCloseable> Timed<T> join(CompletableFuture<Timed<T>> future,
            CompletableFuture<Timed<O>> other) {
        try {
            return Futures.join(future);
        } catch (RuntimeException e) {
            other.thenAccept(o -> closeQuietly(o.value()));
            throw e;
        }
    }

    public LocalEndpoints endpoints() {
        return endpoints;
    }

    /** The java of this JVM; a node started on a newer JDK should set courier.local.java-home. */
    public static Path currentJava() {
        return ProcessHandle.current().info().command().map(Path::of)
                .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this JVM"));
    }

    /** Stops the children if this node started them; an attached node leaves them to their owner. */
    @Override
    public void close() {
        if (owned == null) {
            return;
        }
        stopChildren();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run: nothing to remove
        }
    }

    private synchronized void stopChildren() {
        closeQuietly(() -> EndpointsFile.delete(owned.endpointsFile()));
        closeQuietly(owned.s3());
        closeQuietly(owned.cassandra());
        try {
            if (owned.lock().isValid()) {
                owned.lock().release();
            }
        } catch (IOException ignored) {
            // the channel closes below anyway
        }
        closeQuietly(owned.lockChannel());
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warnf("Stopping %s failed: %s", closeable, e.getMessage());
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
