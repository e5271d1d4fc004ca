package io.courier.media;

import java.time.Duration;
import java.util.List;

import org.jboss.logging.Logger;

import io.minio.MinioClient;
import io.minio.SetBucketLifecycleArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.AbortIncompleteMultipartUpload;
import io.minio.messages.Expiration;
import io.minio.messages.LifecycleConfiguration;
import io.minio.messages.LifecycleRule;
import io.minio.messages.RuleFilter;
import io.minio.messages.Status;

/**
 * Puts the bucket lifecycle rule (expire objects after the retention, abort incomplete multipart uploads) at startup
 * and decides who expires media: the store, if it took the rule, or the sweeper.
 */
final class BucketExpiry {
    private static final Logger LOG = Logger.getLogger(BucketExpiry.class);
    static final String RULE_ID = "courier-media-expiry";

    private BucketExpiry() {
    }

    /** Runs once at startup, before any request: blocking here is fine. */
    static ExpiryMode configure(MinioClient s3, String bucket, ExpiryMode requested, Duration retention,
            Duration incompleteUploadTtl) throws Exception {
        if (requested == ExpiryMode.SWEEPER) {
            return ExpiryMode.SWEEPER;
        }
        try {
            s3.setBucketLifecycle(SetBucketLifecycleArgs.builder().bucket(bucket)
                    .config(rule(retention, incompleteUploadTtl)).build());
            LOG.infof("Media expiry: bucket lifecycle rule on %s", bucket);
            return ExpiryMode.LIFECYCLE;
        } catch (ErrorResponseException e) {
            if (requested == ExpiryMode.LIFECYCLE || !"NotImplemented".equals(e.errorResponse().code())) {
                throw e;
            }
            LOG.infof("Media expiry: the object store has no lifecycle rules; the sweeper expires media");
            return ExpiryMode.SWEEPER;
        }
    }

    /** Lifecycle rules count in whole days: both durations round up. */
    static LifecycleConfiguration rule(Duration retention, Duration incompleteUploadTtl) {
        return new LifecycleConfiguration(List.of(new LifecycleRule(Status.ENABLED,
                new AbortIncompleteMultipartUpload(days(incompleteUploadTtl)),
                new Expiration((java.time.ZonedDateTime) null, days(retention), null),
                new RuleFilter(""), RULE_ID, null, null, null)));
    }

    private static int days(Duration duration) {
        return (int) Math.max(1, (duration.toSeconds() + 86_399) / 86_400);
    }
}
