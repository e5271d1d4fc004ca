package io.courier.media;

import java.time.Duration;
import java.util.Optional;

import io.courier.api.v1.MediaKind;
import io.courier.cluster.RateLimit;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits, URL lifetimes, quotas and expiry of media uploads ({@code courier.media.*}). */
@ConfigMapping(prefix = "courier.media")
public interface MediaLimits {
    @WithDefault("16M")
    MemorySize maxImageSize();

    @WithDefault("64M")
    MemorySize maxAudioSize();

    @WithDefault("2G")
    MemorySize maxVideoSize();

    @WithDefault("2G")
    MemorySize maxDocumentSize();

    /** Blobs up to this size get one presigned PUT; larger ones a multipart upload. */
    @WithDefault("8M")
    MemorySize multipartThreshold();

    /** Size of every part but the last; S3 and MinIO need at least 5 MiB. */
    @WithDefault("8M")
    MemorySize partSize();

    /** Lifetime of every presigned URL. */
    @WithDefault("15m")
    Duration urlTtl();

    /**
     * Where devices reach the object store, when not at the server's own {@code courier.s3.endpoint} (e.g.
     * {@code https://media.example.com} in front of an internal {@code http://minio:9000}): presigned URLs are signed
     * for this address, while the server keeps using its own.
     */
    Optional<String> publicEndpoint();

    /** Declared bytes an account may open upload slots for per UTC day. */
    @WithDefault("10G")
    MemorySize dailyUploadQuota();

    @WithDefault("20")
    int uploadSlotBurst();

    @WithDefault("2s")
    Duration uploadSlotRefill();

    @WithDefault("120")
    int downloadUrlBurst();

    @WithDefault("250ms")
    Duration downloadUrlRefill();

    /** Part URL and uploaded-part requests (resuming an upload) per device before the refill rate applies. */
    @WithDefault("60")
    int resumeBurst();

    @WithDefault("250ms")
    Duration resumeRefill();

    /**
     * Multipart completions and aborts per device before the refill rate applies: each reads the upload's record and
     * asks the store to assemble or free the parts. A device finishes each upload once, so the slot budget's pace.
     */
    @WithDefault("20")
    int uploadFinishBurst();

    @WithDefault("2s")
    Duration uploadFinishRefill();

    /** How long media is kept after its upload slot was opened. */
    @WithDefault("30d")
    Duration retention();

    /** Multipart uploads not completed within this are aborted and their parts freed. */
    @WithDefault("24h")
    Duration incompleteUploadTtl();

    /** {@code auto} (a bucket lifecycle rule if the store supports one, else the sweeper), {@code lifecycle}, {@code sweeper}. */
    @WithDefault("auto")
    ExpiryMode expiry();

    /** How often the sweeper looks for due objects and stale uploads. */
    @WithDefault("10m")
    Duration sweepInterval();

    /** How many past days the sweeper revisits: covers a sweeper that was down this long. */
    @WithDefault("7")
    int sweepLookbackDays();

    default long maxSize(MediaKind kind) {
        return switch (kind) {
            case MEDIA_KIND_IMAGE -> maxImageSize().asLongValue();
            case MEDIA_KIND_AUDIO -> maxAudioSize().asLongValue();
            case MEDIA_KIND_VIDEO -> maxVideoSize().asLongValue();
            case MEDIA_KIND_DOCUMENT -> maxDocumentSize().asLongValue();
            default -> throw new IllegalArgumentException("no limit for " + kind);
        };
    }

    default RateLimit uploadSlots() {
        return new RateLimit("upload slots opened by this device", uploadSlotBurst(), uploadSlotRefill());
    }

    default RateLimit resumes() {
        return new RateLimit("upload part requests by this device", resumeBurst(), resumeRefill());
    }

    default RateLimit uploadFinishes() {
        return new RateLimit("multipart completions and aborts by this device", uploadFinishBurst(),
                uploadFinishRefill());
    }

    default RateLimit downloadUrls() {
        return new RateLimit("download URLs requested by this device", downloadUrlBurst(), downloadUrlRefill());
    }
}
