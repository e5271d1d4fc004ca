package io.courier.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A single-node Apache Cassandra 5 in a child JVM: the CQL stand-in for ScyllaDB (same protocol, same driver) on a
 * machine without Docker. Everything lives under {@code baseDir}; ports are remembered there so a restarted node
 * keeps them when they are still free.
 */
final class CassandraNode implements AutoCloseable {
    static final String ARTIFACT = "org.apache.cassandra:cassandra-all:5.0.5";
    /**
     * What the first run downloads for it: 99 jars of 68 MB, their POMs and Maven's dependency plugin (resolved
     * first, it brings the plugin); 88 MB measured into an empty local repository.
     */
    private static final long DOWNLOAD_BYTES = 88_000_000L;
    static final String DATACENTER = "datacenter1";

    private final ChildJvm jvm;
    private final int cqlPort;

    private CassandraNode(ChildJvm jvm, int cqlPort) {
        this.jvm = jvm;
        this.cqlPort = cqlPort;
    }

    static CassandraNode start(Path baseDir, Path javaExecutable, Duration startTimeout) {
        try {
            Files.createDirectories(baseDir);
            List<Path> classpath = MavenClasspath.resolve(ARTIFACT, DOWNLOAD_BYTES);
            RememberedPorts ports = RememberedPorts.load(baseDir.resolve("ports.properties"));
            int storagePort = ports.take("storage");
            int cqlPort = ports.take("cql");
            ports.save();
            Path yaml = baseDir.resolve("cassandra.yaml");
            Files.writeString(yaml, yaml(baseDir, storagePort, cqlPort));
            List<String> jvmOptions = new ArrayList<>(List.of(
                    "-Xms256m", "-Xmx1g", "-Xss512k", "-XX:+UseG1GC",
                    "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
                    "--add-opens", "java.base/java.io=ALL-UNNAMED",
                    "-Dcassandra.config=" + yaml.toUri(),
                    "-Dcassandra.storagedir=" + baseDir,
                    "-Dcassandra.logdir=" + baseDir.resolve("logs"),
                    "-Dcassandra-foreground=yes",
                    "-Dcassandra.skip_wait_for_gossip_to_settle=0",
                    "-Dcassandra.superuser_setup_delay_ms=0",
                    // A single-node dev instance, tuned the way Cassandra's own tests run it; never in the chart.
                    // System tables aren't flushed on every change (the commit log still has them).
                    "-Dcassandra.unsafesystem=true",
                    // Nor is system_schema after every DDL: a fresh keyspace's tables took seconds of flushes.
                    "-Dcassandra.test.flush_local_schema_changes=false",
                    // The memtable row overhead is measured on 100k rows at start (12 s of one start on the loaded
                    // 2-core box); 100 rows give the same estimate.
                    "-Dcassandra.memtable_row_overhead_computation_step=100",
                    // Sigar only feeds a start-up check of OS settings; its native library is missing anyway.
                    "-Dcassandra.test.ignore_sigar=true",
                    "-Dlogback.configurationFile=" + writeLogback(baseDir).toUri()));
            // Beside Cassandra's folder, so it outlives a wiped database (the test suite starts each run on one).
            jvmOptions.add(ChildJvm.classDataSharing(baseDir.resolveSibling("cassandra.jsa")));
            jvmOptions.addAll(ChildJvm.LATER_COMPILATION);
            ChildJvm jvm = ChildJvm.start("cassandra", javaExecutable, classpath, jvmOptions,
                    "org.apache.cassandra.service.CassandraDaemon", List.of(), baseDir);
            CassandraNode node = new CassandraNode(jvm, cqlPort);
            try {
                jvm.awaitPort(cqlPort, startTimeout);
            } catch (RuntimeException e) {
                jvm.close();
                throw e;
            }
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare Cassandra under " + baseDir, e);
        }
    }

    int cqlPort() {
        return cqlPort;
    }

    long pid() {
        return jvm.pid();
    }

    @Override
    public void close() {
        jvm.close();
    }

    private static Path writeLogback(Path baseDir) throws IOException {
        Path file = baseDir.resolve("logback.xml");
        Files.writeString(file, """
                <configuration>
                  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="STDOUT"/></root>
                  <logger name="org.apache.cassandra.service.CassandraDaemon" level="INFO"/>
                  <logger name="org.apache.cassandra.transport.Server" level="INFO"/>
                </configuration>
                """);
        return file;
    }

    private static String yaml(Path base, int storagePort, int cqlPort) {
        return """
                cluster_name: courier-local
                num_tokens: 1
                partitioner: org.apache.cassandra.dht.Murmur3Partitioner
                endpoint_snitch: SimpleSnitch
                listen_address: 127.0.0.1
                rpc_address: 127.0.0.1
                storage_port: %2$d
                native_transport_port: %3$d
                start_native_transport: true
                seed_provider:
                  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
                    parameters:
                      - seeds: "127.0.0.1:%2$d"
                data_file_directories:
                  - %1$s/data
                commitlog_directory: %1$s/commitlog
                saved_caches_directory: %1$s/saved_caches
                hints_directory: %1$s/hints
                cdc_raw_directory: %1$s/cdc_raw
                commitlog_sync: periodic
                commitlog_sync_period: 10000ms
                commitlog_segment_size: 8MiB
                memtable_heap_space: 128MiB
                memtable_offheap_space: 128MiB
                concurrent_compactors: 1
                auto_snapshot: false
                authenticator: AllowAllAuthenticator
                authorizer: AllowAllAuthorizer
                # Receipts to one sender are batched per partition (up to 64 rows, a few KiB); ScyllaDB warns from
                # 128 KiB, Cassandra from 5 KiB, and every warning reaches the node's log through the driver.
                batch_size_warn_threshold: 64KiB
                """.formatted(base.toAbsolutePath(), storagePort, cqlPort);
    }
}
