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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
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
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.http.Method;
import io.minio.messages.Part;
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
            MediaTransfer<UploadedMedia> upload = aliceMedia.upload(MediaSource.of(plain),
                    MediaDetails.video("video/mp4", 1920, 1080, 600_000, new byte[0]));
            AtomicLong lastByteUp = lastByte(upload.progress());
            UploadedMedia uploaded = upload.result().block();
            long t2 = System.nanoTime();
            rawGet(rawKey, dir.resolve("raw.out"));
            long t3 = System.nanoTime();
            Path received = dir.resolve("received.bin");
            MediaTransfer<Path> download = bobMedia.download(uploaded.pointer(), received);
            AtomicLong lastByteDown = lastByte(download.progress());
            download.result().block();
            long t4 = System.nanoTime();
            // Untimed above: the same file through the store's multipart path without crypto.
            double[] rawMultipart = rawMultipartPut("raw-mp-" + System.nanoTime(), plain, 8 * 1024 * 1024);

            if (!sha256(received).equals(sha256(plain))) {
                throw new AssertionError("the downloaded plaintext differs from the uploaded one");
            }
            double rawPut = (t1 - t0) / 1e9;
            double encPut = (t2 - t1) / 1e9;
            double rawGet = (t3 - t2) / 1e9;
            double encGet = (t4 - t3) / 1e9;
            double mib = size / 1048576.0;
            long heapMax = heap.maxAfterGcBytes() / (1024 * 1024);
            double upTail = (t2 - lastByteUp.get()) / 1e9;
            double downTail = (t4 - lastByteDown.get()) / 1e9;
            String report = """
                    ## Media: %d MiB encrypted upload and download vs raw S3 of the same bytes
                    Same run, same S3Proxy, presigned URLs both ways. Encrypted = SDK streaming AES-256-CBC + \
                    HMAC-SHA256, multipart with 8 MiB parts, two PUTs in flight; download checked (SHA-256, MAC) and \
                    decrypted in one pass into a private file, revealed after the MAC verified.

                    | path | raw PUT/GET | encrypted SDK | ratio (raw time / SDK time) |
                    |---|---|---|---|
                    | upload | %.1f s (%.0f MiB/s) | %.1f s (%.0f MiB/s) | %.2f |
                    | download | %.1f s (%.0f MiB/s) | %.1f s (%.0f MiB/s) | %.2f |

                    After the last byte was handed over (up) or received (down): %.2f s up (the last parts' \
                    answers and CompleteMultipartUpload, where the store joins the parts), %.2f s down (final \
                    checks, the file gets its name).

                    Raw multipart PUT of the same file (8 MiB parts, one at a time, no crypto): %.1f s, of which \
                    %.2f s joining the parts (CompleteMultipartUpload).

                    Heap (node and clients in one JVM) after GC, max during the transfers: %d MiB. Live heap a \
                    transfer adds (full GC halfway through, minus a full GC before; warm-up pass): upload %d MiB, \
                    download %d MiB.
                    """.formatted(megabytes, rawPut, mib / rawPut, encPut, mib / encPut, rawPut / encPut, rawGet,
                    mib / rawGet, encGet, mib / encGet, rawGet / encGet, upTail, downTail, rawMultipart[0], rawMultipart[1], heapMax, uploadHeld,
                    downloadHeld);
            publish("media", report, String.format(Locale.ROOT,
                    "media_mib=%d upload_ratio=%.2f download_ratio=%.2f raw_put_s=%.1f enc_put_s=%.1f raw_get_s=%.1f"
                            + " enc_get_s=%.1f up_tail_s=%.2f down_tail_s=%.2f raw_multipart_put_s=%.1f"
                            + " raw_multipart_join_s=%.2f heap_after_gc_max_mib=%d upload_live_mib=%d"
                            + " download_live_mib=%d",
                    megabytes, rawPut / encPut, rawGet / encGet, rawPut, encPut, rawGet, encGet, upTail, downTail,
                    rawMultipart[0], rawMultipart[1], heapMax, uploadHeld, downloadHeld), List.of(
                            Plots.bars(megabytes + " MiB encrypted beside raw S3 (the floor)", "seconds", List.of(
                                    Map.entry("raw PUT", rawPut), Map.entry("encrypted SDK upload", encPut),
                                    Map.entry("raw GET", rawGet), Map.entry("encrypted SDK download", encGet)))));
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

    /** When the transfer's last byte moved (System.nanoTime). */
    private static AtomicLong lastByte(Flux<MediaTransfer.Progress> progress) {
        AtomicLong at = new AtomicLong();
        progress.filter(p -> p.bytes() >= p.total()).next().subscribe(p -> at.set(System.nanoTime()));
        return at;
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

    /**
     * The same file as a plain multipart upload, one part PUT at a time: what the store's multipart path costs
     * without any encryption. Returns the whole time and the CompleteMultipartUpload's share, in seconds.
     */
    private static double[] rawMultipartPut(String key, Path file, int partSize) throws Exception {
        var config = ConfigProvider.getConfig();
        MinioAsyncClient s3 = MinioAsyncClient.builder()
                .endpoint(config.getValue("courier.s3.endpoint", String.class))
                .credentials(config.getValue("courier.s3.access-key", String.class),
                        config.getValue("courier.s3.secret-key", String.class))
                .region("us-east-1").build();
        String bucket = config.getValue("courier.s3.bucket", String.class);
        long start = System.nanoTime();
        String uploadId = s3.createMultipartUploadAsync(bucket, "us-east-1", key, null, null).get().result()
                .uploadId();
        List<Part> parts = new ArrayList<>();
        byte[] buffer = new byte[partSize];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.readNBytes(buffer, 0, partSize)) > 0;) {
                int number = parts.size() + 1;
                String url = s3.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Method.PUT)
                        .bucket(bucket).object(key).region("us-east-1").expiry(3600)
                        .extraQueryParams(Map.of("uploadId", uploadId, "partNumber", Integer.toString(number)))
                        .build());
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(buffer, 0, n)).build(),
                        HttpResponse.BodyHandlers.discarding());
                parts.add(new Part(number, response.headers().firstValue("ETag").orElseThrow().replace("\"", "")));
            }
        }
        long join = System.nanoTime();
        s3.completeMultipartUploadAsync(bucket, "us-east-1", key, uploadId, parts.toArray(Part[]::new), null, null)
                .get();
        long end = System.nanoTime();
        return new double[] { (end - start) / 1e9, (end - join) / 1e9 };
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
