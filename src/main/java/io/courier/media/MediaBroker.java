package io.courier.media;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.courier.api.v1.AbortMultipartUploadRequest;
import io.courier.api.v1.CompleteMultipartUploadRequest;
import io.courier.api.v1.CompletedPart;
import io.courier.api.v1.CreateUploadSlotRequest;
import io.courier.api.v1.CreateUploadSlotResponse;
import io.courier.api.v1.GetDownloadUrlResponse;
import io.courier.api.v1.GetUploadPartUrlsRequest;
import io.courier.api.v1.GetUploadPartUrlsResponse;
import io.courier.api.v1.ListUploadedPartsResponse;
import io.courier.api.v1.MediaKind;
import io.courier.api.v1.MultipartUpload;
import io.courier.api.v1.PresignedPart;
import io.courier.api.v1.SinglePartUpload;
import io.courier.api.v1.UploadedPart;
import io.courier.cluster.RateLimiter;
import io.courier.cluster.DeviceAddress;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.Rejections;
import io.minio.messages.Part;
import reactor.core.publisher.Mono;

/**
 * Hands out presigned URLs for media and keeps the books on uploads: per-kind limits, the daily quota, who opened
 * which upload (only that device may resume, complete or abort it), the size check on completion and the expiry
 * entries where the store can't expire media itself. Media bytes never pass through here.
 */
public final class MediaBroker {
    /** Parts presigned in a CreateUploadSlot answer; the rest on request, so a slot answer stays small on 2G. */
    static final int FIRST_PARTS = 32;
    /** Part URLs one GetUploadPartUrls call may ask for. */
    static final int MAX_PARTS_PER_REQUEST = 100;

    private final UploadStore uploads;
    private final UploadQuota quota;
    private final ExpiryIndex expiry;
    private final ObjectStore store;
    private final RateLimiter limiter;
    private final MediaLimits limits;
    private final ExpiryMode mode;
    private final Clock clock;

    MediaBroker(UploadStore uploads, UploadQuota quota, ExpiryIndex expiry, ObjectStore store, RateLimiter limiter,
            MediaLimits limits, ExpiryMode mode, Clock clock) {
        this.uploads = uploads;
        this.quota = quota;
        this.expiry = expiry;
        this.store = store;
        this.limiter = limiter;
        this.limits = limits;
        this.mode = mode;
        this.clock = clock;
    }

    /** Who expires media on this node's store. */
    /**
     * A deleted account's upload quota goes. Its uploads stay: they are attachments in its recipients' chats, and
     * expire with the media retention.
     */
    public Mono<Void> accountDeleted(UUID account) {
        return quota.forget(account, ExpiryIndex.day(clock.instant()));
    }

    public ExpiryMode expiryMode() {
        return mode;
    }

    public Mono<CreateUploadSlotResponse> createUploadSlot(AuthenticatedDevice caller,
            CreateUploadSlotRequest request) {
        MediaKind kind = request.getKind();
        if (kind == MediaKind.MEDIA_KIND_UNSPECIFIED || kind == MediaKind.UNRECOGNIZED) {
            return Mono.error(Rejections.invalidArgument("kind must be IMAGE, VIDEO, AUDIO or DOCUMENT"));
        }
        long size = request.getSizeBytes();
        if (size <= 0) {
            return Mono.error(Rejections.invalidArgument("size_bytes must be the blob's size, above 0"));
        }
        if (size > limits.maxSize(kind)) {
            return Mono.error(Rejections.invalidArgument(kind.name().substring("MEDIA_KIND_".length())
                    .toLowerCase() + " uploads are limited to " + limits.maxSize(kind) + " bytes, got " + size));
        }
        UploadPlan plan = UploadPlan.of(size, limits.multipartThreshold().asLongValue(),
                limits.partSize().asLongValue());
        String key = ObjectKeys.random();
        Instant now = clock.instant();
        return limiter.acquire(limits.uploadSlots(), caller.toString())
                .then(quota.reserve(caller.accountId(), ExpiryIndex.day(now), size))
                .then(plan.multipart() ? store.startMultipart(key).map(Optional::of) : Mono.just(Optional.<String>empty()))
                .flatMap(uploadId -> record(new UploadRecord(key, owner(caller), kind, plan, uploadId, UploadState.OPEN, now))
                        .thenReturn(slot(key, plan, uploadId, now)));
    }

    /**
     * Expiry entries first, then the owner row: nothing is ever uploadable without its deletion on the books. If the
     * books can't be written, a multipart upload just started is aborted again.
     */
    private Mono<Void> record(UploadRecord upload) {
        Mono<Void> books = scheduleExpiry(upload).then(uploads.insert(upload));
        return upload.uploadId()
                .map(id -> books.onErrorResume(e -> store.abort(upload.objectKey(), id).then(Mono.error(e))))
                .orElse(books);
    }

    private Mono<Void> scheduleExpiry(UploadRecord upload) {
        if (mode != ExpiryMode.SWEEPER) {
            return Mono.empty();
        }
        Instant now = upload.createdAt();
        Mono<Void> delete = expiry.schedule(upload.objectKey(), ExpiryAction.DELETE_OBJECT, Optional.empty(),
                now.plus(limits.retention()), now);
        return upload.uploadId()
                .map(id -> delete.then(expiry.schedule(upload.objectKey(), ExpiryAction.ABORT_UPLOAD, Optional.of(id),
                        now.plus(limits.incompleteUploadTtl()), now)))
                .orElse(delete);
    }

    private CreateUploadSlotResponse slot(String key, UploadPlan plan, Optional<String> uploadId, Instant now) {
        CreateUploadSlotResponse.Builder response = CreateUploadSlotResponse.newBuilder().setObjectKey(key)
                .setExpiresAtMs(urlExpiry(now));
        if (uploadId.isEmpty()) {
            return response.setSingle(SinglePartUpload.newBuilder().setPutUrl(store.putUrl(key, plan.size()))).build();
        }
        MultipartUpload.Builder multipart = MultipartUpload.newBuilder().setUploadId(uploadId.get())
                .setPartSizeBytes(plan.partSize()).setPartCount(plan.partCount());
        for (int part = 1; part <= Math.min(FIRST_PARTS, plan.partCount()); part++) {
            multipart.addParts(presignedPart(key, uploadId.get(), plan, part));
        }
        return response.setMultipart(multipart).build();
    }

    public Mono<GetUploadPartUrlsResponse> getUploadPartUrls(AuthenticatedDevice caller,
            GetUploadPartUrlsRequest request) {
        List<Integer> numbers = request.getPartNumbersList();
        if (numbers.isEmpty() || numbers.size() > MAX_PARTS_PER_REQUEST) {
            return Mono.error(Rejections.invalidArgument("part_numbers must name 1 to " + MAX_PARTS_PER_REQUEST
                    + " parts, got " + numbers.size()));
        }
        return resuming(caller, request.getObjectKey(), request.getUploadId()).map(upload -> {
            UploadPlan plan = upload.plan();
            GetUploadPartUrlsResponse.Builder response = GetUploadPartUrlsResponse.newBuilder()
                    .setExpiresAtMs(urlExpiry(clock.instant()));
            for (int number : numbers) {
                if (number < 1 || number > plan.partCount()) {
                    throw Rejections.invalidArgument("part " + number + " does not exist: this upload has parts 1.."
                            + plan.partCount());
                }
                response.addParts(presignedPart(upload.objectKey(), request.getUploadId(), plan, number));
            }
            return response.build();
        });
    }

    public Mono<ListUploadedPartsResponse> listUploadedParts(AuthenticatedDevice caller, String objectKey,
            String uploadId) {
        return resuming(caller, objectKey, uploadId).flatMap(upload -> store.listParts(objectKey, uploadId)
                .map(parts -> {
                    UploadPlan plan = upload.plan();
                    ListUploadedPartsResponse.Builder response = ListUploadedPartsResponse.newBuilder()
                            .setPartSizeBytes(plan.partSize()).setPartCount(plan.partCount());
                    parts.forEach(p -> response.addParts(UploadedPart.newBuilder().setPartNumber(p.number())
                            .setEtag(p.etag()).setSizeBytes(p.size())));
                    return response.build();
                }));
    }

    /** Both ways of resuming an upload share a budget: each costs presigning or a request to the store. */
    private Mono<UploadRecord> resuming(AuthenticatedDevice caller, String objectKey, String uploadId) {
        return limiter.acquire(limits.resumes(), caller.toString())
                .then(Mono.defer(() -> openUpload(caller, objectKey, uploadId)));
    }

    private Mono<UploadRecord> finishing(AuthenticatedDevice caller, String objectKey, String uploadId) {
        return limiter.acquire(limits.uploadFinishes(), caller.toString())
                .then(Mono.defer(() -> ownedMultipart(caller, objectKey, uploadId)));
    }

    /**
     * Assembles the parts, then checks the stored size against the declared one: a mismatch deletes the object.
     * Completing a completed upload again succeeds (the first answer may have been lost on the way). Costs a unit
     * of the device's budget of completions and aborts first.
     */
    public Mono<Void> complete(AuthenticatedDevice caller, CompleteMultipartUploadRequest request) {
        return finishing(caller, request.getObjectKey(), request.getUploadId()).flatMap(upload -> {
            if (upload.state() == UploadState.COMPLETE) {
                return Mono.empty();
            }
            if (upload.state() == UploadState.ABORTED) {
                return Mono.error(Rejections.failedPrecondition("the upload was aborted"));
            }
            List<Part> parts = checkedParts(request.getPartsList(), upload.plan());
            String key = upload.objectKey();
            return store.complete(key, request.getUploadId(), parts)
                    .then(store.size(key).defaultIfEmpty(-1L))
                    .flatMap(stored -> stored == upload.plan().size() ? markComplete(upload)
                            : discard(upload, "the stored blob has " + stored + " bytes, not the declared "
                                    + upload.plan().size() + "; it was deleted"));
        });
    }

    private Mono<Void> markComplete(UploadRecord upload) {
        return uploads.transition(upload, UploadState.OPEN, UploadState.COMPLETE, clock.instant())
                .flatMap(state -> state == UploadState.COMPLETE ? Mono.empty()
                        : discard(upload, "the upload was aborted while it was being completed; it was deleted"));
    }

    private Mono<Void> discard(UploadRecord upload, String why) {
        return store.delete(upload.objectKey())
                .then(uploads.transition(upload, UploadState.OPEN, UploadState.ABORTED, clock.instant()))
                .then(Mono.error(Rejections.failedPrecondition(why)));
    }

    private static List<Part> checkedParts(List<CompletedPart> parts, UploadPlan plan) {
        if (parts.size() != plan.partCount()) {
            throw Rejections.invalidArgument("this upload has " + plan.partCount() + " parts; got " + parts.size());
        }
        for (int i = 0; i < parts.size(); i++) {
            CompletedPart part = parts.get(i);
            if (part.getPartNumber() != i + 1) {
                throw Rejections.invalidArgument("parts must be listed 1.." + plan.partCount()
                        + " in order; position " + (i + 1) + " holds part " + part.getPartNumber());
            }
            if (part.getEtag().isEmpty()) {
                throw Rejections.invalidArgument("part " + part.getPartNumber() + " has no etag");
            }
        }
        return parts.stream().map(p -> new Part(p.getPartNumber(), p.getEtag())).toList();
    }

    /** Costs a unit of the device's budget of completions and aborts first, like {@link #complete}. */
    public Mono<Void> abort(AuthenticatedDevice caller, AbortMultipartUploadRequest request) {
        return finishing(caller, request.getObjectKey(), request.getUploadId()).flatMap(upload -> {
            if (upload.state() == UploadState.COMPLETE) {
                return Mono.error(Rejections.failedPrecondition("the upload is complete; it expires with the media"));
            }
            return store.abort(upload.objectKey(), request.getUploadId())
                    .then(uploads.transition(upload, UploadState.OPEN, UploadState.ABORTED, clock.instant()))
                    .flatMap(state -> state == UploadState.COMPLETE
                            ? Mono.error(Rejections.failedPrecondition("the upload was completed meanwhile"))
                            : Mono.empty());
        });
    }

    /** Any authenticated device may fetch (the key is the capability), within its rate. */
    public Mono<GetDownloadUrlResponse> downloadUrl(AuthenticatedDevice caller, String objectKey) {
        String key;
        try {
            key = ObjectKeys.checked(objectKey);
        } catch (RuntimeException e) {
            return Mono.error(e);
        }
        return limiter.acquire(limits.downloadUrls(), caller.toString())
                .then(uploads.find(key))
                .filter(upload -> upload.state() == UploadState.COMPLETE
                        || upload.state() == UploadState.OPEN && upload.uploadId().isEmpty())
                .switchIfEmpty(Mono.error(() -> Rejections.notFound("no media under this key: it was never"
                        + " completed, was aborted or has expired")))
                .map(upload -> GetDownloadUrlResponse.newBuilder().setGetUrl(store.getUrl(key))
                        .setExpiresAtMs(urlExpiry(clock.instant())).build());
    }

    /** A multipart upload the caller opened and that is still open. */
    private Mono<UploadRecord> openUpload(AuthenticatedDevice caller, String objectKey, String uploadId) {
        return ownedMultipart(caller, objectKey, uploadId).flatMap(upload -> upload.state() == UploadState.OPEN
                ? Mono.just(upload)
                : Mono.error(Rejections.failedPrecondition("the upload is " + upload.state().name().toLowerCase())));
    }

    /** The multipart upload, if the caller is the device that opened it. */
    private Mono<UploadRecord> ownedMultipart(AuthenticatedDevice caller, String objectKey, String uploadId) {
        return Mono.defer(() -> {
            String key = ObjectKeys.checked(objectKey);
            if (uploadId.isEmpty()) {
                return Mono.error(Rejections.invalidArgument("upload_id is required"));
            }
            return uploads.find(key)
                    .filter(upload -> upload.uploadId().filter(uploadId::equals).isPresent())
                    .switchIfEmpty(Mono.error(() -> Rejections.notFound(
                            "no multipart upload with this object_key and upload_id (or it has expired)")))
                    .flatMap(upload -> upload.owner().equals(owner(caller)) ? Mono.just(upload)
                            : Mono.error(Rejections.permissionDenied(
                                    "only the device that opened this upload may resume, complete or abort it")));
        });
    }

    /** Uploads belong to a device slot of an account (the credential check already refused revoked installs). */
    private static DeviceAddress owner(AuthenticatedDevice caller) {
        return new DeviceAddress(caller.accountId(), caller.deviceId());
    }

    private PresignedPart presignedPart(String key, String uploadId, UploadPlan plan, int number) {
        return PresignedPart.newBuilder().setPartNumber(number)
                .setPutUrl(store.partUrl(key, uploadId, number, plan.partLength(number))).build();
    }

    private long urlExpiry(Instant now) {
        return now.plus(limits.urlTtl()).toEpochMilli();
    }
}
