package io.courier.client;

import io.courier.api.v1.AttachmentPointer;

/**
 * An uploaded blob: the pointer to put in a message, and how many bytes went over the network for it (more than the
 * blob only when parts had to be sent again).
 */
public record UploadedMedia(AttachmentPointer pointer, long bytesSent) {
}
