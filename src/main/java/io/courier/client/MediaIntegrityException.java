package io.courier.client;

/** A downloaded blob is not what the message said: wrong digest, wrong MAC or wrong size. Nothing was decrypted. */
public final class MediaIntegrityException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MediaIntegrityException(String message) {
        super(message);
    }
}
