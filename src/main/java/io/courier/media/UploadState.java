package io.courier.media;

/** Where an upload stands. A single-part upload stays OPEN: the store, not Courier, sees its PUT. */
enum UploadState {
    OPEN, COMPLETE, ABORTED;

    static UploadState of(int code) {
        return values()[code];
    }

    int code() {
        return ordinal();
    }
}
