package io.courier.media;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.courier.api.v1.AbortMultipartUploadRequest;
import io.courier.api.v1.CompleteMultipartUploadRequest;
import io.courier.api.v1.CompletedPart;
import io.courier.api.v1.CreateUploadSlotRequest;
import io.courier.api.v1.CreateUploadSlotResponse;
import io.courier.api.v1.GetDownloadUrlRequest;
import io.courier.api.v1.GetUploadPartUrlsRequest;
import io.courier.api.v1.ListUploadedPartsRequest;
import io.courier.api.v1.ListUploadedPartsResponse;
import io.courier.api.v1.MediaKind;
import io.courier.api.v1.MediaServiceGrpc;
import io.courier.api.v1.MediaServiceGrpc.MediaServiceBlockingStub;
import io.courier.api.v1.UploadedPart;
import io.courier.common.ConfigRefusal;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.courier.support.TcpProxy;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import okhttp3.OkHttpClient;

/** MediaService against the real S3Proxy: presigned URLs really checked, multipart really assembled. */
@QuarkusTest
class MediaServiceTest extends ServerTest {
    private static final int MIB = 1024 * 1024;
    /** Three parts of the test part size (5 MiB): 5 + 5 + 1. */
    private static final int MULTIPART_SIZE = 11 * MIB;

    @Inject
    MediaConfig config;

    @Inject
    StoreEndpoint endpoint;

    @Inject
    OkHttpClient http;

    @Inject
    MediaBroker broker;

    private static MediaServiceBlockingStub media(RegisteredDevice device) {
        return withToken(MediaServiceGrpc.newBlockingStub(channel), device.authToken());
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    private static CreateUploadSlotResponse slot(RegisteredDevice device, MediaKind kind, long size) {
        return media(device).createUploadSlot(CreateUploadSlotRequest.newBuilder().setKind(kind).setSizeBytes(size)
                .build());
    }

    private static String downloadUrl(RegisteredDevice device, String key) {
        return media(device).getDownloadUrl(GetDownloadUrlRequest.newBuilder().setObjectKey(key).build()).getGetUrl();
    }

    /** The store seen with the node's own credentials and a URL lifetime of our choosing. */
    private ObjectStore storeWithUrlTtl(int seconds) {
        return ObjectStore.connect(endpoint, Optional.empty(), config.region(), config.bucket(), http, seconds);
    }

    @Test
    void aSmallBlobGoesUpInOnePresignedPutAndComesBackByteForByte() {
        RegisteredDevice alice = registerNew();
        RegisteredDevice bob = registerNew();
        byte[] blob = random(1000);

        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_IMAGE, blob.length);
        assertThat(slot.hasSingle()).isTrue();
        assertThat(slot.getObjectKey()).matches("[0-9a-f]{32}");
        assertThat(slot.getExpiresAtMs()).isGreaterThan(System.currentTimeMillis());
        assertThat(BlobHttp.put(slot.getSingle().getPutUrl(), blob).status()).isEqualTo(200);

        BlobHttp.Reply download = BlobHttp.get(downloadUrl(bob, slot.getObjectKey()));
        assertThat(download.status()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(blob);
    }

    @Test
    void aPutOfAnyOtherSizeThanTheDeclaredOneIsRefusedByTheStore() {
        RegisteredDevice alice = registerNew();
        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_DOCUMENT, 1000);
        String url = slot.getSingle().getPutUrl();

        assertThat(BlobHttp.put(url, random(1001)).status()).as("over the declared size").isEqualTo(403);
        assertThat(BlobHttp.put(url, random(999)).status()).as("under it").isEqualTo(403);
        assertThat(BlobHttp.get(storeWithUrlTtl(60).getUrl(slot.getObjectKey())).status())
                .as("nothing was stored").isEqualTo(404);
    }

    @Test
    void tamperedAndExpiredUrlsAreRefusedByTheStore() {
        RegisteredDevice alice = registerNew();
        byte[] blob = random(500);
        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_IMAGE, blob.length);
        String put = slot.getSingle().getPutUrl();
        assertThat(BlobHttp.put(tamper(put), blob).status()).as("tampered PUT").isEqualTo(403);
        assertThat(BlobHttp.put(put, blob).status()).isEqualTo(200);

        String get = downloadUrl(alice, slot.getObjectKey());
        assertThat(BlobHttp.get(tamper(get)).status()).as("tampered GET").isEqualTo(403);
        assertThat(BlobHttp.get(get.replace(slot.getObjectKey(), ObjectKeys.random())).status())
                .as("the signature covers the key").isEqualTo(403);

        String shortLived = storeWithUrlTtl(1).getUrl(slot.getObjectKey());
        assertThat(BlobHttp.get(shortLived).status()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> BlobHttp.get(shortLived).status() == 403);
        assertThat(BlobHttp.get(get).status()).as("the node's own URL is still valid").isEqualTo(200);
    }

    /** Flips one hex digit of the signature. */
    private static String tamper(String url) {
        int at = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
        char c = url.charAt(at);
        return url.substring(0, at) + (c == '0' ? '1' : '0') + url.substring(at + 1);
    }

    @Test
    void slotsBeyondTheKindsLimitOrWithoutSizeOrKindAreRefused() {
        RegisteredDevice alice = registerNew();
        String message = assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> slot(alice, MediaKind.MEDIA_KIND_IMAGE, 16L * MIB + 1));
        assertThat(message).contains("image").contains(Long.toString(16L * MIB));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> slot(alice, MediaKind.MEDIA_KIND_AUDIO, 64L * MIB + 1));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> slot(alice, MediaKind.MEDIA_KIND_IMAGE, 0));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> slot(alice, MediaKind.MEDIA_KIND_UNSPECIFIED, 10));
        assertThat(slot(alice, MediaKind.MEDIA_KIND_IMAGE, 16L * MIB).hasMultipart()).as("exactly the limit")
                .isTrue();
    }

    @Test
    void aCutMultipartUploadResumesAtTheMissingPartAndCompletes() {
        RegisteredDevice alice = registerNew();
        RegisteredDevice bob = registerNew();
        byte[] blob = random(MULTIPART_SIZE);
        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_VIDEO, blob.length);
        var multipart = slot.getMultipart();
        assertThat(multipart.getPartCount()).isEqualTo(3);
        assertThat(multipart.getPartSizeBytes()).isEqualTo(5L * MIB);
        assertThat(multipart.getPartsList()).hasSize(3);

        // Parts 1 and 2 go up; then the connection is lost and the URLs expire.
        assertThat(BlobHttp.put(multipart.getParts(0).getPutUrl(), part(blob, 1)).status()).isEqualTo(200);
        assertThat(BlobHttp.put(multipart.getParts(1).getPutUrl(), part(blob, 2)).status()).isEqualTo(200);

        ListUploadedPartsResponse stored = media(alice).listUploadedParts(ListUploadedPartsRequest.newBuilder()
                .setObjectKey(slot.getObjectKey()).setUploadId(multipart.getUploadId()).build());
        assertThat(stored.getPartCount()).isEqualTo(3);
        assertThat(stored.getPartsList()).extracting(UploadedPart::getPartNumber).containsExactly(1, 2);
        assertThat(stored.getPartsList()).extracting(UploadedPart::getSizeBytes).containsOnly(5L * MIB);

        var fresh = media(alice).getUploadPartUrls(GetUploadPartUrlsRequest.newBuilder()
                .setObjectKey(slot.getObjectKey()).setUploadId(multipart.getUploadId()).addPartNumbers(3).build());
        assertThat(fresh.getPartsList()).hasSize(1);
        OptionalInt missized = BlobHttp.refusedPut(fresh.getParts(0).getPutUrl(), random(MIB + 1));
        assertThat(missized).as("the last part is signed for its exact length").satisfiesAnyOf(
                status -> assertThat(status).hasValue(403), status -> assertThat(status).isEmpty());
        assertThat(media(alice).listUploadedParts(ListUploadedPartsRequest.newBuilder()
                .setObjectKey(slot.getObjectKey()).setUploadId(multipart.getUploadId()).build()).getPartsList())
                .as("the refused body was not stored").extracting(UploadedPart::getPartNumber).containsExactly(1, 2);
        BlobHttp.Reply third = BlobHttp.put(fresh.getParts(0).getPutUrl(), part(blob, 3));
        assertThat(third.status()).isEqualTo(200);

        List<CompletedPart> parts = new ArrayList<>();
        for (UploadedPart p : stored.getPartsList()) {
            parts.add(CompletedPart.newBuilder().setPartNumber(p.getPartNumber()).setEtag(p.getEtag()).build());
        }
        parts.add(CompletedPart.newBuilder().setPartNumber(3).setEtag(third.etag()).build());
        CompleteMultipartUploadRequest complete = CompleteMultipartUploadRequest.newBuilder()
                .setObjectKey(slot.getObjectKey()).setUploadId(multipart.getUploadId()).addAllParts(parts).build();
        media(alice).completeMultipartUpload(complete);
        media(alice).completeMultipartUpload(complete); // a retry after a lost answer succeeds too

        BlobHttp.Reply download = BlobHttp.get(downloadUrl(bob, slot.getObjectKey()));
        assertThat(download.status()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(blob);
    }

    private static byte[] part(byte[] blob, int number) {
        int from = (number - 1) * 5 * MIB;
        return java.util.Arrays.copyOfRange(blob, from, Math.min(blob.length, from + 5 * MIB));
    }

    @Test
    void onlyTheDeviceThatOpenedAnUploadMayResumeCompleteOrAbortIt() {
        RegisteredDevice alice = registerNew();
        RegisteredDevice aliceLaptop = link(alice, "laptop");
        RegisteredDevice mallory = registerNew();
        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_VIDEO, MULTIPART_SIZE);
        String key = slot.getObjectKey();
        String uploadId = slot.getMultipart().getUploadId();

        for (RegisteredDevice other : List.of(mallory, aliceLaptop)) {
            assertStatus(Status.Code.PERMISSION_DENIED, () -> media(other).completeMultipartUpload(
                    CompleteMultipartUploadRequest.newBuilder().setObjectKey(key).setUploadId(uploadId).build()));
            assertStatus(Status.Code.PERMISSION_DENIED, () -> media(other).abortMultipartUpload(
                    AbortMultipartUploadRequest.newBuilder().setObjectKey(key).setUploadId(uploadId).build()));
            assertStatus(Status.Code.PERMISSION_DENIED, () -> media(other).getUploadPartUrls(
                    GetUploadPartUrlsRequest.newBuilder().setObjectKey(key).setUploadId(uploadId)
                            .addPartNumbers(1).build()));
            assertStatus(Status.Code.PERMISSION_DENIED, () -> media(other).listUploadedParts(
                    ListUploadedPartsRequest.newBuilder().setObjectKey(key).setUploadId(uploadId).build()));
        }
        assertStatus(Status.Code.NOT_FOUND, () -> media(alice).abortMultipartUpload(
                AbortMultipartUploadRequest.newBuilder().setObjectKey(key).setUploadId("not-" + uploadId).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> media(alice).abortMultipartUpload(
                AbortMultipartUploadRequest.newBuilder().setObjectKey("../etc/passwd").setUploadId(uploadId).build()));

        // The upload is untouched: its owner can still go on.
        assertThat(media(alice).listUploadedParts(ListUploadedPartsRequest.newBuilder().setObjectKey(key)
                .setUploadId(uploadId).build()).getPartsList()).isEmpty();
    }

    @Test
    void anAbortedUploadCanNeitherResumeNorCompleteNorBeDownloaded() {
        RegisteredDevice alice = registerNew();
        byte[] blob = random(MULTIPART_SIZE);
        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_DOCUMENT, blob.length);
        String key = slot.getObjectKey();
        String uploadId = slot.getMultipart().getUploadId();
        BlobHttp.Reply first = BlobHttp.put(slot.getMultipart().getParts(0).getPutUrl(), part(blob, 1));
        assertThat(first.status()).isEqualTo(200);

        var abort = AbortMultipartUploadRequest.newBuilder().setObjectKey(key).setUploadId(uploadId).build();
        media(alice).abortMultipartUpload(abort);
        media(alice).abortMultipartUpload(abort); // idempotent

        assertStatus(Status.Code.FAILED_PRECONDITION, () -> media(alice).completeMultipartUpload(
                CompleteMultipartUploadRequest.newBuilder().setObjectKey(key).setUploadId(uploadId)
                        .addParts(CompletedPart.newBuilder().setPartNumber(1).setEtag(first.etag())).build()));
        assertStatus(Status.Code.FAILED_PRECONDITION, () -> media(alice).getUploadPartUrls(
                GetUploadPartUrlsRequest.newBuilder().setObjectKey(key).setUploadId(uploadId).addPartNumbers(2)
                        .build()));
        assertStatus(Status.Code.NOT_FOUND, () -> downloadUrl(alice, key));
    }

    @Test
    void aStoredSizeOtherThanTheDeclaredOneIsDeletedOnCompletion() {
        RegisteredDevice alice = registerNew();
        byte[] blob = random(MULTIPART_SIZE);
        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_VIDEO, blob.length);
        String key = slot.getObjectKey();
        String uploadId = slot.getMultipart().getUploadId();
        BlobHttp.Reply p1 = BlobHttp.put(slot.getMultipart().getParts(0).getPutUrl(), part(blob, 1));
        BlobHttp.Reply p2 = BlobHttp.put(slot.getMultipart().getParts(1).getPutUrl(), part(blob, 2));
        // A store that ignored the signed length would have taken a longer last part: forge that with the node's
        // own credentials.
        BlobHttp.Reply p3 = BlobHttp.put(storeWithUrlTtl(60).partUrl(key, uploadId, 3, MIB + 7), random(MIB + 7));
        assertThat(List.of(p1.status(), p2.status(), p3.status())).containsOnly(200);

        String message = assertStatus(Status.Code.FAILED_PRECONDITION, () -> media(alice).completeMultipartUpload(
                CompleteMultipartUploadRequest.newBuilder().setObjectKey(key).setUploadId(uploadId)
                        .addParts(CompletedPart.newBuilder().setPartNumber(1).setEtag(p1.etag()))
                        .addParts(CompletedPart.newBuilder().setPartNumber(2).setEtag(p2.etag()))
                        .addParts(CompletedPart.newBuilder().setPartNumber(3).setEtag(p3.etag())).build()));
        assertThat(message).contains("declared").contains("deleted");
        assertThat(BlobHttp.get(storeWithUrlTtl(60).getUrl(key)).status()).isEqualTo(404);
        assertStatus(Status.Code.NOT_FOUND, () -> downloadUrl(alice, key));
    }

    @Test
    void aCompletionWithMissingOrMisorderedPartsIsRefusedAndChangesNothing() {
        RegisteredDevice alice = registerNew();
        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_VIDEO, MULTIPART_SIZE);
        var request = CompleteMultipartUploadRequest.newBuilder().setObjectKey(slot.getObjectKey())
                .setUploadId(slot.getMultipart().getUploadId());
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> media(alice).completeMultipartUpload(request.clone()
                .addParts(CompletedPart.newBuilder().setPartNumber(1).setEtag("x")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> media(alice).completeMultipartUpload(request.clone()
                .addParts(CompletedPart.newBuilder().setPartNumber(2).setEtag("x"))
                .addParts(CompletedPart.newBuilder().setPartNumber(1).setEtag("x"))
                .addParts(CompletedPart.newBuilder().setPartNumber(3).setEtag("x")).build()));
        assertStatus(Status.Code.FAILED_PRECONDITION, () -> media(alice).completeMultipartUpload(request.clone()
                .addParts(CompletedPart.newBuilder().setPartNumber(1).setEtag("x"))
                .addParts(CompletedPart.newBuilder().setPartNumber(2).setEtag("x"))
                .addParts(CompletedPart.newBuilder().setPartNumber(3).setEtag("x")).build()));
        assertThat(media(alice).listUploadedParts(ListUploadedPartsRequest.newBuilder()
                .setObjectKey(slot.getObjectKey()).setUploadId(slot.getMultipart().getUploadId()).build())
                .getPartCount()).as("still open").isEqualTo(3);
    }

    @Test
    void parallelSlotRequestsNeverTogetherPassTheDailyQuota() throws Exception {
        RegisteredDevice alice = registerNew();
        long each = 30L * MIB; // 200 MiB a day in tests: six fit, the seventh does not
        int requests = 10;
        CountDownLatch start = new CountDownLatch(1);
        // Own threads: the node in this JVM completes Hazelcast and driver calls on the common pool.
        ExecutorService callers = Executors.newFixedThreadPool(requests);
        List<CompletableFuture<Status.Code>> results = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            results.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                    slot(alice, MediaKind.MEDIA_KIND_VIDEO, each);
                    return Status.Code.OK;
                } catch (io.grpc.StatusRuntimeException e) {
                    return e.getStatus().getCode();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, callers));
        }
        start.countDown();
        List<Status.Code> codes = results.stream().map(CompletableFuture::join).toList();
        callers.shutdown();

        assertThat(codes).filteredOn(c -> c == Status.Code.OK).hasSize(6);
        assertThat(codes).filteredOn(c -> c != Status.Code.OK).containsOnly(Status.Code.RESOURCE_EXHAUSTED);
        String message = assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                () -> slot(alice, MediaKind.MEDIA_KIND_VIDEO, 21L * MIB));
        assertThat(message).contains("quota");
        assertThat(slot(registerNew(), MediaKind.MEDIA_KIND_IMAGE, 1000).hasSingle())
                .as("other accounts have their own quota").isTrue();
    }

    @Test
    void downloadUrlsAreRateLimitedPerDeviceAndUnknownKeysAreNotFound() {
        RegisteredDevice alice = registerNew();
        RegisteredDevice bob = registerNew();
        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_IMAGE, 10);
        assertThat(BlobHttp.put(slot.getSingle().getPutUrl(), random(10)).status()).isEqualTo(200);

        assertStatus(Status.Code.NOT_FOUND, () -> downloadUrl(bob, ObjectKeys.random()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> downloadUrl(bob, "not a key"));
        for (int i = 1; i < 12; i++) { // the test budget is 12, one spent on the unknown key
            downloadUrl(bob, slot.getObjectKey());
        }
        String message = assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> downloadUrl(bob, slot.getObjectKey()));
        assertThat(message).contains("download URLs");
        assertThat(downloadUrl(alice, slot.getObjectKey())).as("other devices are not affected").isNotEmpty();
    }

    @Test
    void resumingIsRateLimitedPerDevice() {
        RegisteredDevice alice = registerNew();
        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_VIDEO, MULTIPART_SIZE);
        var request = GetUploadPartUrlsRequest.newBuilder().setObjectKey(slot.getObjectKey())
                .setUploadId(slot.getMultipart().getUploadId()).addPartNumbers(1).build();
        String refusal = null;
        // The budget (60, then one per 250 ms) runs out long before this many calls, however slow the machine.
        for (int i = 0; i < 600 && refusal == null; i++) {
            try {
                media(alice).getUploadPartUrls(request);
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                refusal = e.getStatus().getDescription();
            }
        }
        assertThat(refusal).contains("upload part requests");
        RegisteredDevice bob = registerNew();
        CreateUploadSlotResponse other = slot(bob, MediaKind.MEDIA_KIND_VIDEO, MULTIPART_SIZE);
        assertThat(media(bob).getUploadPartUrls(GetUploadPartUrlsRequest.newBuilder()
                .setObjectKey(other.getObjectKey()).setUploadId(other.getMultipart().getUploadId())
                .addPartNumbers(1).build()).getPartsList()).as("other devices are not affected").hasSize(1);
    }

    /**
     * Issue 21, "Why" 6: completions and aborts (a record read and requests to the store each) cost the device's
     * budget (20, then one per 2 s) before anything is read; a refused one leaves the upload as it was.
     */
    @Test
    void completingAndAbortingAreRateLimitedPerDeviceAndARefusedOneChangesNothing() {
        RegisteredDevice alice = registerNew();
        CreateUploadSlotResponse slot = slot(alice, MediaKind.MEDIA_KIND_VIDEO, MULTIPART_SIZE);
        String key = slot.getObjectKey();
        String uploadId = slot.getMultipart().getUploadId();
        var wrongAbort = AbortMultipartUploadRequest.newBuilder().setObjectKey(key).setUploadId("not-" + uploadId)
                .build();
        String refusal = null;
        // The budget runs out long before this many calls, however slow the machine.
        for (int i = 0; i < 400 && refusal == null; i++) {
            try {
                media(alice).abortMultipartUpload(wrongAbort);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                    refusal = e.getStatus().getDescription();
                } else {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                }
            }
        }
        assertThat(refusal).contains("multipart completions and aborts by this device");

        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> media(alice).abortMultipartUpload(
                AbortMultipartUploadRequest.newBuilder().setObjectKey(key).setUploadId(uploadId).build()));
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> media(alice).completeMultipartUpload(
                CompleteMultipartUploadRequest.newBuilder().setObjectKey(key).setUploadId(uploadId)
                        .addParts(CompletedPart.newBuilder().setPartNumber(1).setEtag("etag")).build()));
        assertThat(media(alice).listUploadedParts(ListUploadedPartsRequest.newBuilder().setObjectKey(key)
                .setUploadId(uploadId).build()).getPartCount()).as("still open: the refused abort did nothing")
                .isEqualTo(3);
        RegisteredDevice bob = registerNew();
        CreateUploadSlotResponse other = slot(bob, MediaKind.MEDIA_KIND_VIDEO, MULTIPART_SIZE);
        media(bob).abortMultipartUpload(AbortMultipartUploadRequest.newBuilder().setObjectKey(other.getObjectKey())
                .setUploadId(other.getMultipart().getUploadId()).build());
    }

    @Inject
    ExpirySweeper sweeper;

    @Test
    void theSweeperAbortsUploadsLeftIncompleteAfter24HoursAndDeletesMediaAfter30Days() {
        assertThat(broker.expiryMode()).as("S3Proxy has no lifecycle rules").isEqualTo(ExpiryMode.SWEEPER);
        RegisteredDevice alice = registerNew();
        ObjectStore store = storeWithUrlTtl(600);
        CreateUploadSlotResponse old = slot(alice, MediaKind.MEDIA_KIND_IMAGE, 100);
        assertThat(BlobHttp.put(old.getSingle().getPutUrl(), random(100)).status()).isEqualTo(200);
        CreateUploadSlotResponse stale = slot(alice, MediaKind.MEDIA_KIND_VIDEO, MULTIPART_SIZE);
        String staleId = stale.getMultipart().getUploadId();
        assertThat(BlobHttp.put(stale.getMultipart().getParts(0).getPutUrl(), random(5 * MIB)).status())
                .isEqualTo(200);
        assertThat(store.listParts(stale.getObjectKey(), staleId).block()).hasSize(1);

        sweeper.sweep().block();
        assertThat(store.listParts(stale.getObjectKey(), staleId).block()).as("not due yet").hasSize(1);

        clock.advance(Duration.ofHours(25));
        assertThat(sweeper.sweep().block()).isPositive();
        assertThat(store.listParts(stale.getObjectKey(), staleId).block()).as("stale upload aborted").isEmpty();
        assertThat(BlobHttp.get(store.getUrl(old.getObjectKey())).status()).as("media kept").isEqualTo(200);

        clock.advance(Duration.ofDays(30));
        CreateUploadSlotResponse fresh = slot(alice, MediaKind.MEDIA_KIND_IMAGE, 100);
        assertThat(BlobHttp.put(fresh.getSingle().getPutUrl(), random(100)).status()).isEqualTo(200);
        assertThat(sweeper.sweep().block()).isPositive();

        assertThat(BlobHttp.get(store.getUrl(old.getObjectKey())).status()).as("expired media deleted")
                .isEqualTo(404);
        assertThat(BlobHttp.get(store.getUrl(fresh.getObjectKey())).status()).as("fresh media kept")
                .isEqualTo(200);
        assertThat(sweeper.sweep().block()).as("done entries are cleared").isZero();
    }

    /**
     * courier.media.public-endpoint: devices get URLs for the public address, here another name ({@code localhost})
     * and port (a TCP proxy) for the same store the server reaches at {@code 127.0.0.1}; the server's own calls never
     * go through it.
     */
    @Test
    void urlsAreSignedForThePublicHostAndWorkThereWhileTheServerKeepsItsOwnEndpoint() throws Exception {
        URI internal = URI.create(endpoint.url());
        assertThat(internal.getHost()).as("the test store's own address").isEqualTo("127.0.0.1");
        try (TcpProxy front = new TcpProxy(internal.getPort())) {
            String publicUrl = "http://localhost:" + front.port();
            ObjectStore store = ObjectStore.connect(endpoint, Optional.of(publicUrl), config.region(),
                    config.bucket(), http, 60);
            byte[] blob = random(2048);
            String key = ObjectKeys.random();

            String put = store.putUrl(key, blob.length);
            assertThat(URI.create(put).getHost()).isEqualTo("localhost");
            assertThat(URI.create(put).getPort()).isEqualTo(front.port());
            assertThat(BlobHttp.put(put, blob).status()).as("a PUT through the public address").isEqualTo(200);
            String get = store.getUrl(key);
            assertThat(URI.create(get).getHost()).isEqualTo("localhost");
            assertThat(BlobHttp.get(get).body()).as("and a GET").isEqualTo(blob);
            int throughFront = front.connectionAttempts();
            assertThat(throughFront).as("the device's requests went through the public address").isPositive();

            assertThat(store.size(key).block()).as("the server reads the object").isEqualTo(blob.length);
            String upload = store.startMultipart(ObjectKeys.random()).block();
            assertThat(upload).isNotBlank();
            assertThat(front.connectionAttempts()).as("the server's own calls stay on its endpoint")
                    .isEqualTo(throughFront);

            String internalGet = ObjectStore.connect(endpoint, Optional.empty(), config.region(), config.bucket(),
                    http, 60).getUrl(key);
            assertThat(BlobHttp.get(internalGet.replace(endpoint.url(), publicUrl)).status())
                    .as("the host is signed: rewriting an internal URL's host is refused").isEqualTo(403);
        }
    }

    @Test
    void aPublicEndpointThatIsNoHttpUrlRefusesTheStart() {
        for (String bad : new String[] { "media.example.com", "ftp://media.example.com", "http://" }) {
            assertThatThrownBy(() -> ObjectStore.connect(endpoint, Optional.of(bad), config.region(),
                    config.bucket(), http, 60)).as(bad).isInstanceOf(ConfigRefusal.class)
                    .hasMessageContaining("courier.media.public-endpoint '" + bad + "'");
        }
    }
}
