package io.courier.client;

import java.util.Arrays;

/**
 * ISO/IEC 7816-4 padding of the end-to-end plaintext to a multiple of {@value #BUCKET} bytes (content.proto): the
 * ciphertext's length then says only which bucket the message fell into, not how long its text is.
 */
final class Padding {
    /** Signal's step: at most 160 bytes more per message (80 on average), and one bucket holds most chat texts. */
    static final int BUCKET = 160;
    private static final byte MARKER = (byte) 0x80;

    private Padding() {
    }

    /** {@code plaintext}, then 0x80, then zeros up to the next multiple of {@value #BUCKET}. */
    static byte[] pad(byte[] plaintext) {
        byte[] padded = Arrays.copyOf(plaintext, (plaintext.length / BUCKET + 1) * BUCKET);
        padded[plaintext.length] = MARKER;
        return padded;
    }

    /**
     * Strips the trailing zeros and the 0x80 before them. Any bucket size is accepted: a sender may pad more.
     *
     * @throws MalformedPaddingException if there is no 0x80 where the zeros end
     */
    static byte[] unpad(byte[] padded) throws MalformedPaddingException {
        int end = padded.length - 1;
        while (end >= 0 && padded[end] == 0) {
            end--;
        }
        if (end < 0) {
            throw new MalformedPaddingException("no 0x80 padding marker: the plaintext is "
                    + (padded.length == 0 ? "empty" : "all zeros (" + padded.length + " bytes)"));
        }
        if (padded[end] != MARKER) {
            throw new MalformedPaddingException(String.format(
                    "no 0x80 padding marker: byte %d of %d, before %d zeros, is 0x%02x", end, padded.length,
                    padded.length - 1 - end, padded[end] & 0xff));
        }
        return Arrays.copyOf(padded, end);
    }

    /** A plaintext that decrypted but is not padded as the contract says: the message is undecryptable. */
    static final class MalformedPaddingException extends Exception {
        MalformedPaddingException(String message) {
            super(message);
        }
    }
}
