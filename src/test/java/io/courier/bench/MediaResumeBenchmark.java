package io.courier.bench;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.courier.client.CourierClient;
import io.courier.client.MediaClient;
import io.courier.client.MediaDetails;
import io.courier.client.MediaSource;
import io.courier.client.MediaTransfer;
import io.courier.client.UploadedMedia;
import io.courier.support.LinkModel;
import io.courier.support.TcpProxy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * An upload over a 2G-shaped link (200 kbit/s each way, 500 ms round trip; {@link LinkModel}) to the object store, cut
 * once mid-upload and restored: the upload resumes without sending stored parts again. S3 refuses parts under 5 MiB
 * (but the last), so a 2 MB image is one PUT and a cut costs what was sent of it; the smallest upload that can resume
 * is two parts, so the scenario is a 6 MiB clip in the smallest legal parts (5 MiB + the rest), cut once the link has
 * carried {@code cut-at} of the blob (by default part 1 is stored and part 2 half sent). Only the store's traffic is
 * shaped (the node's gRPC calls go direct). Not a test. Run with
 * {@code mvn -B verify -Pbench -Dbench.scenario=media2g}; knobs -Dbench.media2g.kbit (200), -Dbench.media2g.kib (6144),
 * -Dbench.media2g.cut-at (0.92: part 1 stored, part 2 half sent), -Dbench.media2g.outage-ms (2000).
 */
@QuarkusTest
@TestProfile(MediaResumeBenchmark.SmallestParts.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "media2g")
class MediaResumeBenchmark extends BenchSupport {
    private static final Duration ONE_WAY = Duration.ofMillis(250);

    /** The production media settings but the smallest part size S3 allows, so the smallest resumable file is used. */
    public static class SmallestParts extends MediaBenchmark.Production {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.putAll(Map.of("courier.media.part-size", "5M", "courier.media.multipart-threshold", "5M"));
            return overrides;
        }
    }

    @Test
    void run() throws Exception {
        long bitsPerSecond = property("bench.media2g.kbit", 200) * 1000L;
        int plainBytes = property("bench.media2g.kib", 6 * 1024) * 1024;
        double cutAt = property("bench.media2g.cut-at", 0.92);
        long outageMillis = property("bench.media2g.outage-ms", 2000);
        byte[] plain = new byte[plainBytes];
        new Random(42).nextBytes(plain);

        LinkModel link = LinkModel.shaped(bitsPerSecond, ONE_WAY);
        URI s3 = URI.create(ConfigProvider.getConfig().getValue("courier.s3.endpoint", String.class));
        CourierClient alice = registeredClient();
        CourierClient bob = registeredClient();
        try (TcpProxy toStore = new TcpProxy(s3.getPort(), link)) {
            HttpClient overLink = HttpClient.newBuilder()
                    .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", toStore.port()))).build();
            link.startTrace();
            long start = System.nanoTime();
            MediaTransfer<UploadedMedia> upload = MediaClient.create(channel, alice, overLink)
                    .upload(MediaSource.of(plain), MediaDetails.video("video/mp4", 640, 360, 30_000, new byte[0]));
            var result = upload.result().toFuture();
            long blobSize = upload.progress().blockFirst().total();

            Duration budget = Duration.ofNanos(link.serialisationNanos(blobSize) * 3).plusMinutes(2);
            Awaitility.await().atMost(budget).pollInterval(Duration.ofMillis(100))
                    .until(() -> upBytes(link) >= cutAt * blobSize);
            long carriedAtCut = upBytes(link);
            link.cut();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(outageMillis)); // the outage: modelled time
            int discarded = discardInterruptedPartWrites();
            link.restore();
            UploadedMedia uploaded = result.get(budget.toSeconds(), TimeUnit.SECONDS);
            double elapsed = (System.nanoTime() - start) / 1e9;
            long carried = upBytes(link);

            Path received = Path.of("target", "bench-media", "resumed-" + System.nanoTime() + ".bin");
            Files.createDirectories(received.getParent());
            MediaClient.create(channel, bob, HttpClient.newHttpClient()).download(uploaded.pointer(), received)
                    .result().block();
            boolean intact = java.util.Arrays.equals(Files.readAllBytes(received), plain);
            Files.delete(received);
            if (!intact) {
                throw new AssertionError("the resumed upload does not decrypt to what was sent");
            }

            double floor = link.serialisationNanos(blobSize) / 1e9;
            double kib = 1024.0;
            String report = """
                    ## Media over 2G: a %.0f KiB clip cut once mid-upload
                    Link %d kbit/s each way, %d ms round trip (the store's traffic only); parts of 5 MiB; the signal \
                    went after %.0f KiB had crossed the link (%.0f %% of the blob) and came back %d ms later; %d interrupted part \
                    write(s) removed from S3Proxy's disk meanwhile (what S3 and MinIO do themselves).

                    | object (blob) | bytes up the link | of which lost at the cut or resent | SDK bytes handed to HTTP \
                    | time | floor (blob at link rate) |
                    |---|---|---|---|---|---|
                    | %.0f KiB | %.0f KiB (%.2f× the blob) | %.0f KiB | %.0f KiB | %.1f s | %.1f s |
                    """.formatted(plainBytes / kib, bitsPerSecond / 1000, ONE_WAY.toMillis() * 2, carriedAtCut / kib,
                    100.0 * carriedAtCut / blobSize, outageMillis, discarded, blobSize / kib, carried / kib,
                    (double) carried / blobSize, (carried - blobSize) / kib, uploaded.bytesSent() / kib, elapsed,
                    floor);
            publish("media2g", report, String.format(Locale.ROOT,
                    "media2g_blob_bytes=%d up_bytes=%d up_per_blob=%.3f cut_after_bytes=%d sdk_bytes_sent=%d"
                            + " elapsed_s=%.1f floor_s=%.1f kbit=%d",
                    blobSize, carried, (double) carried / blobSize, carriedAtCut, uploaded.bytesSent(), elapsed,
                    floor, bitsPerSecond / 1000), List.of(Plots.bars("A cut upload beside its floor", "seconds",
                            List.of(Map.entry("resumed upload", elapsed),
                                    Map.entry("blob at link rate (floor)", floor)))));
        } finally {
            alice.close();
            bob.close();
        }
    }

    /**
     * S3Proxy 2.6.0's filesystem store keeps the temporary file of a part write cut off mid-body, and then fails to
     * list or complete the upload on it ("Unable to get size of extended attribute"). S3 and MinIO discard an
     * interrupted part; this stands in for them by deleting such files (named
     * {@code .mpus-<key>-<upload>-<part>-<uuid>}) while the signal is gone. Returns how many there were.
     */
    private static int discardInterruptedPartWrites() throws Exception {
        Properties s3proxy = new Properties();
        try (var in = Files.newInputStream(Path.of("target", "test-infra", "s3proxy", "s3proxy.properties"))) {
            s3proxy.load(in);
        }
        Path bucket = Path.of(s3proxy.getProperty("jclouds.filesystem.basedir"))
                .resolve(ConfigProvider.getConfig().getValue("courier.s3.bucket", String.class));
        Pattern temporary = Pattern.compile("\\.mpus-.+-\\d+-\\p{XDigit}{8}(-\\p{XDigit}{4}){3}-\\p{XDigit}{12}");
        int discarded = 0;
        try (var files = Files.list(bucket)) {
            for (Path file : files.filter(f -> temporary.matcher(f.getFileName().toString()).matches()).toList()) {
                Files.delete(file);
                discarded++;
            }
        }
        return discarded;
    }

    /** Bytes the link has carried towards the store (HTTP requests with their bodies). */
    private static long upBytes(LinkModel link) {
        return link.trace().stream().filter(s -> s.direction() == LinkModel.Direction.UP)
                .mapToLong(s -> s.bytes().length).sum();
    }
}
