package io.courier.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.courier.client.CourierClient;
import io.courier.client.MediaClient;
import io.courier.client.MediaDetails;
import io.courier.client.MediaSource;
import io.courier.client.MediaTransfer;
import io.courier.client.UploadedMedia;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MinioClient;
import io.minio.http.Method;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import reactor.core.publisher.Flux;

/**
 * A large encrypted media upload and download through the SDK (streaming AES-256-CBC + HMAC, presigned multipart)
 * against a raw presigned PUT / GET of the same plaintext bytes in the same run, on the local S3Proxy. Not a test.
 * Run with {@code mvn -B verify -Pbench -Dbench.scenario=media}; size with -Dbench.media.mb (256).
 */
@QuarkusTest
@TestProfile(MediaBenchmark.Production.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "media")
class MediaBenchmark extends BenchSupport {
    /** The production media settings (the test profile shrinks parts and the quota). */
    public static class Production extends BenchProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("courier.media.part-size", "8M");
            overrides.put("courier.media.multipart-threshold", "8M");
            overrides.put("courier.media.daily-upload-quota", "10G");
            return overrides;
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void run() throws Exception {
        int megabytes = property("bench.media.mb", 256);
        Path dir = Files.createDirectories(Path.of("target", "bench-media"));
        clean(dir); // a download never replaces a file: leftovers of an aborted run would stop this one
        Path plain = dir.resolve("plain.bin");
        writeRandom(plain, megabytes * 1024L * 1024L);
        long size = Files.size(plain);

        CourierClient alice = registeredClient();
        CourierClient bob = registeredClient();
        MediaClient aliceMedia = MediaClient.create(channel, alice, HTTP);
        MediaClient bobMedia = MediaClient.create(channel, bob, HTTP);
        // Warm-up (JIT of the cipher and HTTP paths) that also measures what a transfer keeps live: a full GC
        // halfway through each direction, against one before. Not timed: the full GCs would distort the ratios.
        Path warmFile = dir.resolve("warm.bin");
        writeRandom(warmFile, Math.min(megabytes, 64) * 1024L * 1024L);
        long idle = HeapGauge.usedAfterFullGc();
        AtomicLong uploadLive = new AtomicLong();
        AtomicLong downloadLive = new AtomicLong();
        MediaTransfer<UploadedMedia> warmUp = aliceMedia.upload(MediaSource.of(warmFile),
                MediaDetails.video("video/mp4", 1, 1, 1, new byte[0]));
        halfway(warmUp.progress(), uploadLive);
        UploadedMedia warm = warmUp.result().block();
        MediaTransfer<Path> warmDown = bobMedia.download(warm.pointer(), dir.resolve("warm.out"));
        halfway(warmDown.progress(), downloadLive);
        warmDown.result().block();
        long uploadHeld = (uploadLive.get() - idle) / (1024 * 1024);
        long downloadHeld = (downloadLive.get() - idle) / (1024 * 1024);

        try (HeapGauge heap = new HeapGauge()) {
            long t0 = System.nanoTime();
            String rawKey = "raw-" + System.nanoTime();
            rawPut(rawKey, plain);
            long t1 = System.nanoTime();
            UploadedMedia uploaded = aliceMedia.upload(MediaSource.of(plain),
                    MediaDetails.video("video/mp4", 1920, 1080, 600_000, new byte[0])).result().block();
            long t2 = System.nanoTime();
            rawGet(rawKey, dir.resolve("raw.out"));
            long t3 = System.nanoTime();
            Path received = dir.resolve("received.bin");
            bobMedia.download(uploaded.pointer(), received).result().block();
            long t4 = System.nanoTime();

            if (!sha256(received).equals(sha256(plain))) {
                throw new AssertionError("the downloaded plaintext differs from the uploaded one");
            }
            double rawPut = (t1 - t0) / 1e9;
            double encPut = (t2 - t1) / 1e9;
            double rawGet = (t3 - t2) / 1e9;
            double encGet = (t4 - t3) / 1e9;
            double mib = size / 1048576.0;
            long heapMax = heap.maxAfterGcBytes() / (1024 * 1024);
            String report = """
                    ## Media: %d MiB encrypted upload and download vs raw S3 of the same bytes
                    Same run, same S3Proxy, presigned URLs both ways. Encrypted = SDK streaming AES-256-CBC + \
                    HMAC-SHA256, multipart with 8 MiB parts, two PUTs in flight; download checked (SHA-256, MAC) and \
                    decrypted in one pass into a private file, revealed after the MAC verified.

                    | path | raw PUT/GET | encrypted SDK | ratio (raw time / SDK time) |
                    |---|---|---|---|
                    | upload | %.1f s (%.0f MiB/s) | %.1f s (%.0f MiB/s) | %.2f |
                    | download | %.1f s (%.0f MiB/s) | %.1f s (%.0f MiB/s) | %.2f |

                    Heap (node and clients in one JVM) after GC, max during the transfers: %d MiB. Live heap a \
                    transfer adds (full GC halfway through, minus a full GC before; warm-up pass): upload %d MiB, \
                    download %d MiB.
                    """.formatted(megabytes, rawPut, mib / rawPut, encPut, mib / encPut, rawPut / encPut, rawGet,
                    mib / rawGet, encGet, mib / encGet, rawGet / encGet, heapMax, uploadHeld, downloadHeld);
            publish("media", report, String.format(Locale.ROOT,
                    "media_mib=%d upload_ratio=%.2f download_ratio=%.2f raw_put_s=%.1f enc_put_s=%.1f raw_get_s=%.1f"
                            + " enc_get_s=%.1f heap_after_gc_max_mib=%d upload_live_mib=%d download_live_mib=%d",
                    megabytes, rawPut / encPut, rawGet / encGet, rawPut, encPut, rawGet, encGet, heapMax, uploadHeld,
                    downloadHeld));
        } finally {
            alice.close();
            bob.close();
            clean(dir);
        }
    }

    private static void clean(Path dir) throws Exception {
        for (String f : new String[] { "plain.bin", "raw.out", "received.bin", "warm.bin", "warm.out" }) {
            Files.deleteIfExists(dir.resolve(f));
        }
    }

    /** Records the live heap (after a full GC) once a transfer is halfway. */
    private static void halfway(Flux<MediaTransfer.Progress> progress, AtomicLong live) {
        progress.filter(p -> p.bytes() * 2 >= p.total()).next()
                .subscribe(p -> live.set(HeapGauge.usedAfterFullGc()));
    }

    private static void writeRandom(Path file, long bytes) throws Exception {
        Random random = new Random(42);
        byte[] chunk = new byte[1024 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < bytes; written += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, bytes - written));
            }
        }
    }

    private static String presign(Method method, String key) throws Exception {
        var config = ConfigProvider.getConfig();
        MinioClient s3 = MinioClient.builder().endpoint(config.getValue("courier.s3.endpoint", String.class))
                .credentials(config.getValue("courier.s3.access-key", String.class),
                        config.getValue("courier.s3.secret-key", String.class))
                .region("us-east-1").build();
        return s3.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(method)
                .bucket(config.getValue("courier.s3.bucket", String.class)).object(key).expiry(3600).build());
    }

    private static void rawPut(String key, Path file) throws Exception {
        HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(presign(Method.PUT, key)))
                .PUT(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("raw PUT answered " + response.statusCode());
        }
    }

    private static void rawGet(String key, Path target) throws Exception {
        HttpResponse<Path> response = HTTP.send(HttpRequest.newBuilder(URI.create(presign(Method.GET, key))).build(),
                HttpResponse.BodyHandlers.ofFile(target));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("raw GET answered " + response.statusCode());
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1024 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0;) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
