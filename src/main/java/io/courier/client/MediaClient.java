package io.courier.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
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
 * encrypted as it is read, the next part while the previous one is being sent, so at most two parts (the server's
 * part size, 5–16 MiB, each) are held in memory. A cut connection is survived: the upload asks the server which parts
 * the store holds, gets fresh URLs and sends only what is missing. Downloads land in a temporary file, verified (size,
 * SHA-256, MAC) as they are written, and only then decrypted.
 */
public final class MediaClient {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final int MAX_ATTEMPTS = 8;
    private static final int URL_BATCH = 32;
    private static final Duration PART_TIMEOUT = Duration.ofMinutes(15);

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
                    put(slot.getSingle().getPutUrl(), blob.readAllBytes(), meter);
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
     * call has not sent it yet and the store does not hold it (a part whose answer was lost may have landed).
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
        // One part ahead: the next part is encrypted while the previous one is on the wire, and its PUT starts only
        // once the previous answer is in, so at most two parts are in memory and only one is ever in flight.
        Sending inFlight = null;
        try {
            for (int number = 1; number <= count; number++) {
                int length = (int) (number < count ? partSize : blobSize - partSize * (count - 1));
                byte[] part = blob.readNBytes(length);
                if (etags.containsKey(number)) {
                    continue;
                }
                UploadedPart held = stored.get(number);
                if (held != null && held.getSizeBytes() == length) {
                    etags.put(number, held.getEtag());
                    continue;
                }
                if (!urls.containsKey(number)) {
                    presign(key, uploadId, number, count).forEach(p -> urls.put(p.getPartNumber(), p.getPutUrl()));
                }
                if (inFlight != null) {
                    etags.put(inFlight.number(), etag(inFlight.response()));
                }
                inFlight = new Sending(number, putAsync(urls.get(number), part, meter));
            }
            if (inFlight != null) {
                etags.put(inFlight.number(), etag(inFlight.response()));
                inFlight = null;
            }
        } finally {
            if (inFlight != null) {
                // Failed with a part still on the wire: stop it (a part that lands anyway is found on resume).
                inFlight.response().cancel(true);
            }
        }
        CompleteMultipartUploadRequest.Builder complete = CompleteMultipartUploadRequest.newBuilder()
                .setObjectKey(key).setUploadId(uploadId);
        etags.forEach((n, etag) -> complete.addParts(CompletedPart.newBuilder().setPartNumber(n).setEtag(etag)));
        media().completeMultipartUpload(complete.build());
    }

    /** What the store holds; nothing if it can't say right now (the parts are then simply sent again). */
    private List<UploadedPart> storedParts(String key, String uploadId) {
        try {
            return media().listUploadedParts(ListUploadedPartsRequest.newBuilder().setObjectKey(key)
                    .setUploadId(uploadId).build()).getPartsList();
        } catch (StatusRuntimeException e) {
            if (!retryable(e)) {
                throw e;
            }
            return List.of();
        }
    }

    private List<PresignedPart> presign(String key, String uploadId, int from, int count) {
        GetUploadPartUrlsRequest.Builder request = GetUploadPartUrlsRequest.newBuilder().setObjectKey(key)
                .setUploadId(uploadId);
        for (int n = from; n <= Math.min(count, from + URL_BATCH - 1); n++) {
            request.addPartNumbers(n);
        }
        return media().getUploadPartUrls(request.build()).getPartsList();
    }

    /** A part PUT that has been started. */
    private record Sending(int number, CompletableFuture<HttpResponse<Void>> response) {
    }

    /** One PUT with exactly the signed length; returns the store's ETag. Any failure is worth a retry. */
    private String put(String url, byte[] body, Meter meter) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<Void>> sending = putAsync(url, body, meter);
        try {
            return etag(sending);
        } catch (InterruptedException e) {
            sending.cancel(true);
            throw e;
        }
    }

    private CompletableFuture<HttpResponse<Void>> putAsync(String url, byte[] body, Meter meter) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(PART_TIMEOUT)
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> meter.counting(new java.io.ByteArrayInputStream(body))), body.length))
                .build();
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
     * Downloads into {@code target}: the blob goes to a temporary file beside it, is checked against the pointer
     * (size, SHA-256, MAC) as it is written, and only then decrypted. On any mismatch nothing is written to
     * {@code target} and the result fails with {@link MediaIntegrityException}.
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
        return Mono.fromCallable(() -> Files.createTempFile("courier-media", ".plain"))
                .flatMap(file -> download(pointer, file).result()
                        .map(path -> {
                            try {
                                return Files.readAllBytes(path);
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        })
                        .doFinally(signal -> file.toFile().delete()));
    }

    private Path download(AttachmentPointer pointer, Path target, Sinks.Many<MediaTransfer.Progress> sink)
            throws IOException, InterruptedException {
        MediaKeys keys = MediaKeys.forBlob(pointer.getMediaKey().toByteArray(), pointer.getKind());
        long blobSize = MediaCipher.blobSize(pointer.getSizeBytes());
        String url = media().getDownloadUrl(GetDownloadUrlRequest.newBuilder().setObjectKey(pointer.getObjectKey())
                .build()).getGetUrl();
        Path dir = target.toAbsolutePath().getParent();
        Path blobFile = Files.createTempFile(dir, ".courier-", ".blob");
        try {
            Meter meter = new Meter(blobSize, sink);
            try (FileChannel out = FileChannel.open(blobFile, StandardOpenOption.WRITE)) {
                VerifyingWrite body = new VerifyingWrite(new MediaCipher.Verifier(blobSize, keys), out, meter);
                HttpResponse<Void> response;
                try {
                    response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                            info -> info.statusCode() == 200 ? body : HttpResponse.BodySubscribers.replacing(null));
                } catch (IOException e) {
                    if (body.refused != null) {
                        throw body.refused; // the client wraps it; the caller needs to see the refusal itself
                    }
                    throw e;
                }
                if (response.statusCode() != 200) {
                    throw new IOException("the object store answered HTTP " + response.statusCode());
                }
                body.verifier.finish(pointer.getEncryptedSha256().toByteArray());
            }
            try (InputStream in = Files.newInputStream(blobFile); OutputStream out = Files.newOutputStream(target)) {
                MediaCipher.decrypt(in, blobSize, keys, out, pointer.getPlaintextSha256().toByteArray());
            } catch (MediaIntegrityException e) {
                Files.deleteIfExists(target);
                throw e;
            }
            return target;
        } finally {
            Files.deleteIfExists(blobFile);
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

    /**
     * Writes a download to its file and checks it (SHA-256, MAC) in the same pass, on the HTTP client's thread as
     * the bytes arrive, so the file is not read back just to check it. Stops at the first byte beyond the declared
     * size, so a hostile store can't fill the disk.
     */
    private static final class VerifyingWrite implements HttpResponse.BodySubscriber<Void> {
        final MediaCipher.Verifier verifier;
        private final FileChannel out;
        private final Meter meter;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private Flow.Subscription subscription;
        volatile MediaIntegrityException refused;

        VerifyingWrite(MediaCipher.Verifier verifier, FileChannel out, Meter meter) {
            this.verifier = verifier;
            this.out = out;
            this.meter = meter;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            try {
                for (ByteBuffer buffer : buffers) {
                    int length = buffer.remaining();
                    verifier.update(buffer);
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                    meter.add(length);
                }
                subscription.request(1);
            } catch (IOException | RuntimeException e) {
                if (e instanceof MediaIntegrityException integrity) {
                    refused = integrity;
                }
                subscription.cancel();
                done.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }

        @Override
        public CompletionStage<Void> getBody() {
            return done;
        }
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

        InputStream counting(InputStream in) {
            return new FilterInputStream(in) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        add(n);
                    }
                    return n;
                }
            };
        }

        void add(long bytes) {
            sink.tryEmitNext(new MediaTransfer.Progress(sent.addAndGet(bytes), total));
        }
    }
}
