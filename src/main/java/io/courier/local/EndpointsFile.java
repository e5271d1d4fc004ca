package io.courier.local;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Properties;

/**
 * Where the running local infrastructure of a data folder listens, written by the node that started it, so more
 * nodes on the same machine can attach to it. Holds the local S3 credentials: owner-only permissions. Valid only
 * while the writing process lives and the ports answer (a file left by a killed node is ignored).
 */
final class EndpointsFile {
    private EndpointsFile() {
    }

    static void write(Path file, LocalEndpoints endpoints) {
        Properties p = new Properties();
        p.setProperty("owner-pid", Long.toString(ProcessHandle.current().pid()));
        p.setProperty("cql-host", endpoints.cqlHost());
        p.setProperty("cql-port", Integer.toString(endpoints.cqlPort()));
        p.setProperty("cql-datacenter", endpoints.cqlDatacenter());
        p.setProperty("s3-endpoint", endpoints.s3Endpoint());
        p.setProperty("s3-access-key", endpoints.s3AccessKey());
        p.setProperty("s3-secret-key", endpoints.s3SecretKey());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer writer = Files.newBufferedWriter(temp)) {
                p.store(writer, "local infrastructure of this folder; nodes attach to it (secret: do not share)");
            }
            // Readers see the old file or the whole new one, never half of it.
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + file, e);
        }
    }

    /** The endpoints if the file names a live owner whose CQL and S3 ports accept connections. */
    static Optional<LocalEndpoints> readLive(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            p.load(reader);
        } catch (IOException e) {
            return Optional.empty(); // replaced while we read: try again
        }
        boolean ownerAlive = ProcessHandle.of(Long.parseLong(p.getProperty("owner-pid", "-1")))
                .map(ProcessHandle::isAlive).orElse(false);
        if (!ownerAlive) {
            return Optional.empty();
        }
        LocalEndpoints endpoints = new LocalEndpoints(p.getProperty("cql-host"),
                Integer.parseInt(p.getProperty("cql-port")), p.getProperty("cql-datacenter"),
                p.getProperty("s3-endpoint"), p.getProperty("s3-access-key"), p.getProperty("s3-secret-key"));
        URI s3 = URI.create(endpoints.s3Endpoint());
        return accepts(endpoints.cqlHost(), endpoints.cqlPort()) && accepts(s3.getHost(), s3.getPort())
                ? Optional.of(endpoints) : Optional.empty();
    }

    private static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
