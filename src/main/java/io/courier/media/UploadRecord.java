package io.courier.media;

import java.time.Instant;
import java.util.Optional;

import io.courier.api.v1.MediaKind;
import io.courier.cluster.DeviceAddress;

/**
 * An upload slot as stored: its owner (the device that opened it), what it declared and how it is split (kept, so
 * a change of the part size setting never breaks uploads in flight), and where it stands.
 */
record UploadRecord(String objectKey, DeviceAddress owner, MediaKind kind, UploadPlan plan,
        Optional<String> uploadId, UploadState state, Instant createdAt) {
}
