package io.courier.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * S3Proxy over a filesystem folder in a child JVM: the S3 stand-in for MinIO (same SDK, real presigned-URL
 * signature checks) on a machine without Docker.
 */
final class S3ProxyNode implements AutoCloseable {
    static final String ARTIFACT = "org.gaul:s3proxy:2.6.0";
    /** What the first run downloads for it: jars and POMs, 44 MB measured after Cassandra's. */
    private static final long DOWNLOAD_BYTES = 44_000_000L;

    private final ChildJvm jvm;
    private final int port;
    private final String accessKey;
    private final String secretKey;

    private S3ProxyNode(ChildJvm jvm, int port, String accessKey, String secretKey) {
        this.jvm = jvm;
        this.port = port;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    static S3ProxyNode start(Path baseDir, Path javaExecutable, String accessKey, String secretKey,
            Duration startTimeout) {
        try {
            Path blobs = Files.createDirectories(baseDir.resolve("blobs"));
            List<Path> classpath = MavenClasspath.resolve(ARTIFACT, DOWNLOAD_BYTES);
            RememberedPorts ports = RememberedPorts.load(baseDir.resolve("ports.properties"));
            int port = ports.take("s3");
            ports.save();
            Path properties = baseDir.resolve("s3proxy.properties");
            Files.writeString(properties, """
                    s3proxy.endpoint=http://127.0.0.1:%d
                    s3proxy.authorization=aws-v2-or-v4
                    s3proxy.identity=%s
                    s3proxy.credential=%s
                    s3proxy.ignore-unknown-headers=true
                    jclouds.provider=filesystem-nio2
                    jclouds.filesystem.basedir=%s
                    jclouds.identity=local
                    jclouds.credential=local
                    """.formatted(port, accessKey, secretKey, blobs.toAbsolutePath()));
            Path logback = baseDir.resolve("logback.xml");
            // Without a config Jetty logs every request at DEBUG.
            Files.writeString(logback, """
                    <configuration>
                      <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
                      </appender>
                      <root level="WARN"><appender-ref ref="STDOUT"/></root>
                    </configuration>
                    """);
            // A small heap's collector on a box the node and Cassandra share; the archive as Cassandra's.
            List<String> jvmOptions = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC",
                    "-Dlogback.configurationFile=" + logback.toUri(),
                    ChildJvm.classDataSharing(baseDir.resolveSibling("s3proxy.jsa"))));
            jvmOptions.addAll(ChildJvm.LATER_COMPILATION);
            ChildJvm jvm = ChildJvm.start("s3proxy", javaExecutable, classpath, jvmOptions,
                    "org.gaul.s3proxy.Main", List.of("--properties", properties.toString()), baseDir);
            try {
                jvm.awaitPort(port, startTimeout);
            } catch (RuntimeException e) {
                jvm.close();
                throw e;
            }
            return new S3ProxyNode(jvm, port, accessKey, secretKey);
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare S3Proxy under " + baseDir, e);
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    String accessKey() {
        return accessKey;
    }

    String secretKey() {
        return secretKey;
    }

    @Override
    public void close() {
        jvm.close();
    }
}
