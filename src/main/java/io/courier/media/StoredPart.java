package io.courier.media;

/** A part the object store holds for a multipart upload. */
record StoredPart(int number, String etag, long size) {
}
