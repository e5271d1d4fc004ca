package io.courier.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.jboss.logging.Logger;

/**
 * The embedded default: a local Cassandra (for ScyllaDB) and S3Proxy (for MinIO), each in a child JVM, with all
 * data under one folder. Used by the default run and, once per run, by the test suite. Children never outlive this
 * JVM (see {@link ParentWatch}); a shutdown hook stops them cleanly on Ctrl-C.
 */
public final class LocalInfrastructure implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LocalInfrastructure.class);

    private final FileChannel lockChannel;
    private final FileLock lock;
    private final CassandraNode cassandra;
    private final S3ProxyNode s3;
    private final Thread shutdownHook;

    private LocalInfrastructure(FileChannel lockChannel, FileLock lock, CassandraNode cassandra, S3ProxyNode s3) {
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.cassandra = cassandra;
        this.s3 = s3;
        this.shutdownHook = new Thread(this::stopChildren, "courier-local-infra-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts both components in parallel under {@code dataDir}.
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
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new IllegalStateException("another Courier node is using the data folder " + base
                        + "; stop it or point courier.local.data-dir elsewhere");
            }
            LOG.infof("Starting local Cassandra and S3Proxy under %s", base);
            String accessKey = "local-" + randomHex(6);
            String secretKey = randomHex(20);
            CompletableFuture<CassandraNode> cassandra = CompletableFuture.supplyAsync(
                    () -> CassandraNode.start(base.resolve("cassandra"), javaExecutable, startTimeout));
            CompletableFuture<S3ProxyNode> s3 = CompletableFuture.supplyAsync(
                    () -> S3ProxyNode.start(base.resolve("s3proxy"), javaExecutable, accessKey, secretKey,
                            startTimeout));
            LocalInfrastructure infra = new LocalInfrastructure(channel, lock, join(cassandra, s3), join(s3, cassandra));
            LOG.infof("Local infrastructure up in %.1f s: CQL 127.0.0.1:%d, S3 %s", (System.nanoTime() - started) / 1e9,
                    infra.cassandra.cqlPort(), infra.s3.endpoint());
            return infra;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("could not use data folder " + base, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Joins one start, closing the other component if this one failed so nothing is left running. */
    private static <T, O extends AutoCloseable> T join(CompletableFuture<T> future, CompletableFuture<O> other) {
        try {
            return future.join();
        } catch (CompletionException e) {
            other.thenAccept(LocalInfrastructure::closeQuietly);
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    public LocalEndpoints endpoints() {
        return new LocalEndpoints("127.0.0.1", cassandra.cqlPort(), CassandraNode.DATACENTER, s3.endpoint(),
                s3.accessKey(), s3.secretKey());
    }

    /** Process id of the Cassandra child (tests check it dies with its parent). */
    public long cassandraPid() {
        return cassandra.pid();
    }

    /** The java of this JVM; a node started on a newer JDK should set courier.local.java-home. */
    public static Path currentJava() {
        return ProcessHandle.current().info().command().map(Path::of)
                .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this JVM"));
    }

    @Override
    public void close() {
        stopChildren();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run: nothing to remove
        }
    }

    private synchronized void stopChildren() {
        closeQuietly(s3);
        closeQuietly(cassandra);
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException ignored) {
            // the channel closes below anyway
        }
        closeQuietly(lockChannel);
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
