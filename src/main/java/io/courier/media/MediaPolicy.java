package io.courier.media;

import io.courier.api.v1.MediaKind;
import io.courier.common.ConfigRefusal;

/** Startup checks of the media settings: a node with limits S3 can't honour refuses to start. */
final class MediaPolicy {
    private static final long MIN_PART = 5L * 1024 * 1024;
    private static final long MAX_PART = 5L * 1024 * 1024 * 1024;
    /** Parts one ListParts page returns: resume lists every part in one call. */
    private static final int MAX_PARTS = 1000;

    private MediaPolicy() {
    }

    static void check(MediaLimits limits) {
        long part = limits.partSize().asLongValue();
        if (part < MIN_PART || part > MAX_PART) {
            throw new ConfigRefusal("courier.media.part-size must be 5 MiB to 5 GiB (S3's part limits), got "
                    + part);
        }
        long threshold = limits.multipartThreshold().asLongValue();
        if (threshold < 1 || threshold > MAX_PART) {
            throw new ConfigRefusal("courier.media.multipart-threshold must be 1 byte to 5 GiB, got "
                    + threshold);
        }
        for (MediaKind kind : new MediaKind[] { MediaKind.MEDIA_KIND_IMAGE, MediaKind.MEDIA_KIND_AUDIO,
                MediaKind.MEDIA_KIND_VIDEO, MediaKind.MEDIA_KIND_DOCUMENT }) {
            long parts = (limits.maxSize(kind) + part - 1) / part;
            if (parts > MAX_PARTS) {
                throw new IllegalStateException("the " + kind + " limit needs " + parts + " parts of "
                        + part + " bytes; at most " + MAX_PARTS + ": raise courier.media.part-size");
            }
        }
        if (limits.urlTtl().isNegative() || limits.urlTtl().toSeconds() < 1 || limits.urlTtl().toDays() > 7) {
            throw new ConfigRefusal("courier.media.url-ttl must be 1 s to 7 days (S3's presign limit)");
        }
    }
}
