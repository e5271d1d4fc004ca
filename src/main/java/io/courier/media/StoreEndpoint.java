package io.courier.media;

/** Where the object store listens and the credentials the node signs with. */
record StoreEndpoint(String url, String accessKey, String secretKey) {
}
