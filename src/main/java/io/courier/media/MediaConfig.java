package io.courier.media;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The object store holding encrypted media (MinIO in production); ignored parts are filled by local mode. */
@ConfigMapping(prefix = "courier.s3")
public interface MediaConfig {
    @WithDefault("http://127.0.0.1:9000")
    String endpoint();

    @WithDefault("courier")
    String accessKey();

    /** Set through COURIER_S3_SECRET_KEY (a Kubernetes secret in the Helm chart). */
    @WithDefault("change-me")
    String secretKey();

    @WithDefault("us-east-1")
    String region();

    @WithDefault("courier-media")
    String bucket();
}
