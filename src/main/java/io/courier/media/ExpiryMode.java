package io.courier.media;

/** How media objects and stale multipart uploads are removed after their time. */
public enum ExpiryMode {
    /** A bucket lifecycle rule if the store accepts one, else the sweeper. */
    AUTO,
    /** The object store expires objects and aborts stale uploads itself (MinIO, S3). */
    LIFECYCLE,
    /** Courier's own sweeper over a CQL expiry index (stores without lifecycle rules, such as S3Proxy). */
    SWEEPER
}
