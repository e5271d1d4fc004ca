package io.courier.client;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.UUID;

/**
 * The end-to-end plaintext of every Courier message: one kind byte, then the body. The server never sees it; it
 * lets a device tell the app's messages from the key material devices send each other.
 */
record Payload(Kind kind, byte[] body) {

    enum Kind {
        /** The app's own bytes. */
        APP,
        /** A libsignal SenderKeyDistributionMessage: a sender's key for its group messages; never shown to the app. */
        SENDER_KEY_DISTRIBUTION,
        /**
         * Empty; sent back once over a session another device started. Decrypting it completes the session on that
         * device, whose messages then stop carrying the PreKeySignalMessage header (≈ 1.7 KB with PQXDH's Kyber
         * ciphertext). Never shown to the app.
         */
        SESSION_ACK,
        /**
         * A group id (16 bytes): the sender's device got a group message it has no key for (a device linked or
         * reinstalled after the key went out), so the receiver's next group send distributes it again. Never shown
         * to the app.
         */
        SENDER_KEY_REQUEST
    }

    static Payload app(byte[] plaintext) {
        return new Payload(Kind.APP, plaintext);
    }

    static Payload senderKeyDistribution(byte[] message) {
        return new Payload(Kind.SENDER_KEY_DISTRIBUTION, message);
    }

    static Payload senderKeyRequest(UUID groupId) {
        return new Payload(Kind.SENDER_KEY_REQUEST, Uuids.put(ByteBuffer.allocate(Uuids.BYTES), groupId).array());
    }

    static Payload sessionAck() {
        return new Payload(Kind.SESSION_ACK, new byte[0]);
    }

    byte[] serialize() {
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) (kind.ordinal() + 1);
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /** Throws IllegalArgumentException for an empty plaintext or an unknown kind (a newer client's content). */
    static Payload parse(byte[] plaintext) {
        int tag = plaintext.length == 0 ? 0 : plaintext[0];
        if (tag < 1 || tag > Kind.values().length) {
            throw new IllegalArgumentException("unknown content kind " + tag);
        }
        return new Payload(Kind.values()[tag - 1], Arrays.copyOfRange(plaintext, 1, plaintext.length));
    }
}
