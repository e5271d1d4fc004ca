package io.courier.media;

/** What the sweeper does with an expiry index entry when it is due. */
enum ExpiryAction {
    /** Abort a multipart upload that may still be incomplete (a no-op if it was completed or aborted). */
    ABORT_UPLOAD(1),
    /** Delete the object: its retention is over. */
    DELETE_OBJECT(2);

    final int code;

    ExpiryAction(int code) {
        this.code = code;
    }

    static ExpiryAction of(int code) {
        return code == 1 ? ABORT_UPLOAD : DELETE_OBJECT;
    }
}
