package io.courier.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.google.protobuf.ByteString;

import io.courier.api.v1.AttachmentPointer;
import io.courier.api.v1.CompleteMultipartUploadRequest;
import io.courier.api.v1.CompletedPart;
import io.courier.api.v1.CreateUploadSlotRequest;
import io.courier.api.v1.CreateUploadSlotResponse;
import io.courier.api.v1.GetDownloadUrlRequest;
import io.courier.api.v1.GetUploadPartUrlsRequest;
import io.courier.api.v1.ListUploadedPartsRequest;
import io.courier.api.v1.MediaServiceGrpc;
import io.courier.api.v1.PresignedPart;
import io.courier.api.v1.UploadedPart;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Encrypted media to and from the object store, straight over presigned URLs. Uploads stream: the plaintext is
 * encrypted in order on one thread (CBC chains the parts) into a few reused part buffers while earlier parts are on
 * the wire (up to {@link #PARTS_IN_FLIGHT} on a fast link, one on a slow one), so at most {@code PARTS_IN_FLIGHT + 1}
 * parts (the server's part size, 5–16 MiB, each) are in memory. A cut connection is survived: the upload asks the
 * server which parts the store holds, gets fresh URLs and sends only what is missing. Downloads are checked (size, SHA-256, MAC) and
 * decrypted in one pass into a private temporary file beside the target, which becomes the target only once the MAC
 * has verified; a download never replaces an existing file.
 */
public final class MediaClient {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final int MAX_ATTEMPTS = 8;
    private static final int URL_BATCH = 32;
    private static final Duration PART_TIMEOUT = Duration.ofMinutes(15);
    /** Part PUTs at once on a fast link: enough to keep it busy while the next part is encrypted. */
    static final int PARTS_IN_FLIGHT = 2;
    /**
     * A part answered within this came over a fast link. Slower, parts go one at a time: parallel PUTs would share
     * the link, and a cut would then lose the bytes of several half-sent parts instead of one.
     */
    private static final long FAST_PART_NANOS = Duration.ofSeconds(2).toNanos();

    private final Channel channel;
    private final Supplier<Credentials> credentials;
    private final HttpClient http;
    private final Scheduler blocking = Schedulers.boundedElastic();

    private MediaClient(Channel channel, Supplier<Credentials> credentials, HttpClient http) {
        this.channel = channel;
        this.credentials = credentials;
        this.http = http;
    }

    /** Media for the device {@code client} is; {@code http} carries the blobs (set a proxy on it if you need one). */
    public static MediaClient create(Channel channel, CourierClient client, HttpClient http) {
        return new MediaClient(channel, client::credentials, http);
    }

    /** Encrypts and uploads; the pointer in the result goes into a {@link Content.Media} message. */
    public MediaTransfer<UploadedMedia> upload(MediaSource source, MediaDetails details) {
        Sinks.Many<MediaTransfer.Progress> progress = Sinks.many().replay().latest();
        Mono<UploadedMedia> result = Mono.fromCallable(() -> upload(source, details, progress))
                .subscribeOn(blocking)
                .doOnTerminate(progress::tryEmitComplete)
                .cache();
        return new MediaTransfer<>(progress.asFlux(), result);
    }

    private UploadedMedia upload(MediaSource source, MediaDetails details, Sinks.Many<MediaTransfer.Progress> sink)
            throws IOException, InterruptedException {
        byte[] mediaKey = MediaKeys.newMediaKey();
        MediaKeys keys = MediaKeys.forBlob(mediaKey, details.kind());
        long plainSize = source.size();
        long blobSize = MediaCipher.blobSize(plainSize);
        Meter meter = new Meter(blobSize, sink);
        CreateUploadSlotResponse slot = media().createUploadSlot(CreateUploadSlotRequest.newBuilder()
                .setKind(details.kind()).setSizeBytes(blobSize).build());
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10));
        Map<Integer, String> etags = new TreeMap<>(); // parts this call has sent, kept across attempts
        for (int attempt = 1;; attempt++) {
            try (MediaCipher.Encrypting blob = MediaCipher.encrypt(source.open(), keys)) {
                if (slot.hasSingle()) {
                    byte[] bytes = new byte[(int) blobSize];
                    readPart(blob, bytes, bytes.length);
                    put(slot.getSingle().getPutUrl(), bytes, bytes.length, meter);
                } else {
                    sendParts(slot, blob, etags, attempt > 1, meter);
                }
                return new UploadedMedia(pointer(slot.getObjectKey(), mediaKey, blob, plainSize, details),
                        meter.sent.get());
            } catch (IOException | StatusRuntimeException e) {
                if (attempt == MAX_ATTEMPTS || e instanceof StatusRuntimeException s && !retryable(s)) {
                    throw e;
                }
                Thread.sleep(backoff.next().toMillis());
            }
        }
    }

    /** A lost connection to the node, or the store briefly unavailable: worth another pass. */
    private static boolean retryable(StatusRuntimeException e) {
        return e.getStatus().getCode() == Status.Code.UNAVAILABLE
                || e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED;
    }

    /**
     * One pass over the blob: every part is encrypted again (the media key fixes the bytes), and sent only if this
     * call has not sent it yet and the store does not hold it (a part whose answer was lost may have landed). While
     * the next part is encrypted into a spare buffer, one PUT runs, or up to {@link #PARTS_IN_FLIGHT} once a part has
     * been answered quickly (a fast link); each part is sent from its own buffer, reused once its PUT is answered, so
     * the parts make no garbage.
     */
    private void sendParts(CreateUploadSlotResponse slot, MediaCipher.Encrypting blob, Map<Integer, String> etags,
            boolean resuming, Meter meter) throws IOException, InterruptedException {
        var multipart = slot.getMultipart();
        String key = slot.getObjectKey();
        String uploadId = multipart.getUploadId();
        int count = multipart.getPartCount();
        long partSize = multipart.getPartSizeBytes();
        long blobSize = meter.total;
        Map<Integer, UploadedPart> stored = new HashMap<>();
        Map<Integer, String> urls = new HashMap<>();
        if (resuming) {
            storedParts(key, uploadId).forEach(p -> stored.put(p.getPartNumber(), p));
        } else {
            multipart.getPartsList().forEach(p -> urls.put(p.getPartNumber(), p.getPutUrl()));
        }
        Deque<Sending> inFlight = new ArrayDeque<>();
        Deque<byte[]> spare = new ArrayDeque<>();
        int parallel = 1;
        try {
            for (int number = 1; number <= count; number++) {
                int length = (int) (number < count ? partSize : blobSize - partSize * (count - 1));
                byte[] part = spare.isEmpty() ? new byte[(int) partSize] : spare.pop();
                readPart(blob, part, length);
                UploadedPart held = stored.get(number);
                if (held != null && held.getSizeBytes() == length) {
                    etags.put(number, held.getEtag());
                }
                if (etags.containsKey(number)) {
                    spare.push(part);
                    continue;
                }
                if (!urls.containsKey(number)) {
                    presign(key, uploadId, number, count).forEach(p -> urls.put(p.getPartNumber(), p.getPutUrl()));
                }
                while (inFlight.size() >= parallel) {
                    Sending oldest = inFlight.poll();
                    spare.push(answered(oldest, etags));
                    parallel = oldest.tookNanos() <= FAST_PART_NANOS ? PARTS_IN_FLIGHT : 1;
                }
                inFlight.add(Sending.start(number, part, putAsync(urls.get(number), part, length, meter)));
            }
            while (!inFlight.isEmpty()) {
                answered(inFlight.poll(), etags);
            }
        } finally {
            // Failed with parts still on the wire: stop them (a part that lands anyway is found on resume).
            inFlight.forEach(sending -> sending.response().cancel(true));
        }
        CompleteMultipartUploadRequest.Builder complete = CompleteMultipartUploadRequest.newBuilder()
                .setObjectKey(key).setUploadId(uploadId);
        etags.forEach((n, etag) -> complete.addParts(CompletedPart.newBuilder().setPartNumber(n).setEtag(etag)));
        media().completeMultipartUpload(complete.build());
    }

    /** Waits for a part's answer and records its ETag; returns the part's buffer for reuse. */
    private static byte[] answered(Sending sending, Map<Integer, String> etags)
            throws IOException, InterruptedException {
        etags.put(sending.number(), etag(sending.response()));
        return sending.buffer();
    }

    /** The next {@code length} bytes of the blob into {@code part}. */
    private static void readPart(InputStream blob, byte[] part, int length) throws IOException {
        if (blob.readNBytes(part, 0, length) != length) {
            throw new IOException("the media source ended before the size it declared");
        }
    }

    /**
     * What the store holds. If it can't say right now, the attempt fails and a later one asks again: sending every
     * part again instead would cost minutes of a slow link.
     */
    private List<UploadedPart> storedParts(String key, String uploadId) {
        return media().listUploadedParts(ListUploadedPartsRequest.newBuilder().setObjectKey(key)
                .setUploadId(uploadId).build()).getPartsList();
    }

    private List<PresignedPart> presign(String key, String uploadId, int from, int count) {
        GetUploadPartUrlsRequest.Builder request = GetUploadPartUrlsRequest.newBuilder().setObjectKey(key)
                .setUploadId(uploadId);
        for (int n = from; n <= Math.min(count, from + URL_BATCH - 1); n++) {
            request.addPartNumbers(n);
        }
        return media().getUploadPartUrls(request.build()).getPartsList();
    }

    /** A part PUT that has been started, the buffer it is sent from, and when it ended (System.nanoTime). */
    private record Sending(int number, byte[] buffer, CompletableFuture<HttpResponse<Void>> response, long started,
            CompletableFuture<Long> ended) {
        static Sending start(int number, byte[] buffer, CompletableFuture<HttpResponse<Void>> response) {
            return new Sending(number, buffer, response, System.nanoTime(),
                    response.handle((answer, failure) -> System.nanoTime()));
        }

        /** How long the PUT took; only once it has been answered. */
        long tookNanos() {
            return ended.join() - started;
        }
    }

    /** One PUT with exactly the signed length; returns the store's ETag. Any failure is worth a retry. */
    private String put(String url, byte[] body, int length, Meter meter) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<Void>> sending = putAsync(url, body, length, meter);
        try {
            return etag(sending);
        } catch (InterruptedException e) {
            sending.cancel(true);
            throw e;
        }
    }

    /**
     * S3 speaks HTTP/1.1 (no h2c upgrade to try), and parallel parts then go over separate pooled keep-alive
     * connections rather than sharing one.
     */
    private CompletableFuture<HttpResponse<Void>> putAsync(String url, byte[] body, int length, Meter meter) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).version(HttpClient.Version.HTTP_1_1)
                .timeout(PART_TIMEOUT).PUT(BlobBody.of(body, length, meter::add)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    }

    /** Waits for a PUT's answer; its ETag, or an IOException if it failed. */
    private static String etag(CompletableFuture<HttpResponse<Void>> sending)
            throws IOException, InterruptedException {
        HttpResponse<Void> response;
        try {
            response = sending.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("the part upload failed", e.getCause());
        }
        if (response.statusCode() != 200) {
            throw new IOException("the object store answered HTTP " + response.statusCode());
        }
        return response.headers().firstValue("ETag").orElse("").replace("\"", "");
    }

    private static AttachmentPointer pointer(String key, byte[] mediaKey, MediaCipher.Encrypting blob,
            long plainSize, MediaDetails details) throws IOException {
        AttachmentPointer.Builder pointer = AttachmentPointer.newBuilder().setObjectKey(key)
                .setMediaKey(ByteString.copyFrom(mediaKey))
                .setEncryptedSha256(ByteString.copyFrom(blob.blobSha256()))
                .setPlaintextSha256(ByteString.copyFrom(blob.plaintextSha256()))
                .setSizeBytes(plainSize).setKind(details.kind()).setVoiceNote(details.voiceNote())
                .setMimeType(details.mimeType()).setFileName(details.fileName()).setWidth(details.width())
                .setHeight(details.height()).setDurationMs(details.durationMs());
        if (details.thumbnail().length > 0) {
            pointer.setEncryptedThumbnail(ByteString.copyFrom(
                    MediaCipher.encrypt(details.thumbnail(), MediaKeys.forThumbnail(mediaKey))));
        }
        return pointer.build();
    }

    /**
     * Downloads into {@code target}, which must not exist: the blob is checked against the pointer (size, SHA-256,
     * MAC) and decrypted in one pass into a private temporary file beside the target, which is linked to
     * {@code target} only after everything has verified. On a mismatch the result fails with
     * {@link MediaIntegrityException} and nothing is left behind; if {@code target} exists it fails with
     * {@link FileAlreadyExistsException} and the file is left as it was.
     */
    public MediaTransfer<Path> download(AttachmentPointer pointer, Path target) {
        Sinks.Many<MediaTransfer.Progress> progress = Sinks.many().replay().latest();
        Mono<Path> result = Mono.fromCallable(() -> download(pointer, target, progress))
                .subscribeOn(blocking)
                .doOnTerminate(progress::tryEmitComplete)
                .cache();
        return new MediaTransfer<>(progress.asFlux(), result);
    }

    /** Small media (an image, a voice note) in memory, verified like {@link #download(AttachmentPointer, Path)}. */
    public Mono<byte[]> downloadBytes(AttachmentPointer pointer) {
        return Mono.fromCallable(() -> Files.createTempDirectory("courier-media"))
                .flatMap(dir -> download(pointer, dir.resolve("media")).result()
                        .map(path -> {
                            try {
                                return Files.readAllBytes(path);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        })
                        .doFinally(signal -> {
                            dir.resolve("media").toFile().delete();
                            dir.toFile().delete();
                        }));
    }

    private Path download(AttachmentPointer pointer, Path target, Sinks.Many<MediaTransfer.Progress> sink)
            throws IOException, InterruptedException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "a download never replaces a file");
        }
        MediaKeys keys = MediaKeys.forBlob(pointer.getMediaKey().toByteArray(), pointer.getKind());
        long blobSize = MediaCipher.blobSize(pointer.getSizeBytes());
        String url = media().getDownloadUrl(GetDownloadUrlRequest.newBuilder().setObjectKey(pointer.getObjectKey())
                .build()).getGetUrl();
        // Owner-only (createTempFile's default) and hidden: unverified plaintext until the MAC has been checked.
        Path partial = Files.createTempFile(target.toAbsolutePath().getParent(), ".courier-", ".part");
        try {
            try (FileChannel out = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                MediaCipher.Opening opening = new MediaCipher.Opening(blobSize, keys, plain -> {
                    while (plain.hasRemaining()) {
                        out.write(plain);
                    }
                });
                // The HTTP client's thread receives into the stream's small queue while this thread checks,
                // decrypts and writes: the two overlap.
                HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(url))
                        .version(HttpClient.Version.HTTP_1_1).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream blob = response.body()) {
                    if (response.statusCode() != 200) {
                        throw new IOException("the object store answered HTTP " + response.statusCode());
                    }
                    open(blob, opening, new Meter(blobSize, sink));
                }
                opening.finish(pointer.getEncryptedSha256().toByteArray(),
                        pointer.getPlaintextSha256().toByteArray());
            }
            reveal(partial, target);
            return target;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** Feeds the whole blob to {@code opening}; stops at the first byte beyond the declared size. */
    private static void open(InputStream blob, MediaCipher.Opening opening, Meter meter) throws IOException {
        byte[] chunk = new byte[MediaCipher.CHUNK];
        for (int n; (n = blob.read(chunk)) >= 0;) {
            opening.update(ByteBuffer.wrap(chunk, 0, n));
            meter.add(n);
        }
    }

    /** Gives the verified file its name; a hard link fails atomically if the name has been taken meanwhile. */
    private static void reveal(Path partial, Path target) throws IOException {
        try {
            Files.createLink(target, partial);
        } catch (UnsupportedOperationException e) {
            Files.move(partial, target); // no hard links here: still refuses an existing target, not atomically
        }
    }

    /** The decrypted thumbnail of a pointer, MAC checked first; empty if it has none. */
    public static byte[] thumbnail(AttachmentPointer pointer) throws IOException {
        if (pointer.getEncryptedThumbnail().isEmpty()) {
            return new byte[0];
        }
        return MediaCipher.decrypt(pointer.getEncryptedThumbnail().toByteArray(),
                MediaKeys.forThumbnail(pointer.getMediaKey().toByteArray()));
    }

    private MediaServiceGrpc.MediaServiceBlockingStub media() {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + credentials.get().authToken());
        return MediaServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(headers)));
    }

    /** Counts bytes through a transfer and reports them as progress. */
    private static final class Meter {
        final long total;
        final AtomicLong sent = new AtomicLong();
        private final Sinks.Many<MediaTransfer.Progress> sink;

        Meter(long total, Sinks.Many<MediaTransfer.Progress> sink) {
            this.total = total;
            this.sink = sink;
        }

        /** Two parts can be on the wire at once: a sink takes one emitter at a time, and progress only grows. */
        synchronized void add(long bytes) {
            sink.tryEmitNext(new MediaTransfer.Progress(sent.addAndGet(bytes), total));
        }
    }
}
