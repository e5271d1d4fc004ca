package io.courier.client;

import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.Content;

/** The end-to-end plaintext of every envelope, 1:1 or group: a padded {@link Content} (content.proto). */
final class Plaintext {
    private Plaintext() {
    }

    static byte[] seal(Content content) {
        return Padding.pad(content.toByteArray());
    }

    /**
     * Unknown fields and an unknown {@code content} case parse fine (the case is then unset): only a plaintext that
     * is not padded or not a protobuf at all is refused.
     */
    static Content open(byte[] plaintext) throws Padding.MalformedPaddingException, InvalidProtocolBufferException {
        return Content.parseFrom(Padding.unpad(plaintext));
    }
}
