package io.courier.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * WhatsApp's media scheme, streaming both ways: blob = AES-256-CBC/PKCS7(plaintext) ‖ HMAC-SHA256(IV ‖ ciphertext)
 * (the full 32 bytes; WhatsApp keeps 10). Encryption and decryption are each one pass that also computes the
 * digests; decryption writes into private storage and its output counts only once the blob's SHA-256 and MAC have
 * verified at the end ({@link Opening}). Chunks go through preallocated buffers, so a transfer makes no garbage per
 * chunk.
 */
final class MediaCipher {
    static final int MAC_BYTES = 32;
    private static final int BLOCK = 16;
    static final int CHUNK = 64 * 1024;

    private MediaCipher() {
    }

    /** Size of the blob a plaintext of {@code plainSize} bytes encrypts to (PKCS7 always pads). */
    static long blobSize(long plainSize) {
        return (plainSize / BLOCK + 1) * BLOCK + MAC_BYTES;
    }

    /** The blob as a stream, encrypted while it is read; its digests are ready once it has been read to the end. */
    static Encrypting encrypt(InputStream plaintext, MediaKeys keys) {
        return new Encrypting(plaintext, keys);
    }

    /** Encrypts a small payload (a thumbnail) in memory. */
    static byte[] encrypt(byte[] plaintext, MediaKeys keys) throws IOException {
        try (Encrypting blob = encrypt(new java.io.ByteArrayInputStream(plaintext), keys)) {
            return blob.readAllBytes();
        }
    }

    /** Checks a small blob (a thumbnail) and decrypts it in memory. */
    static byte[] decrypt(byte[] blob, MediaKeys keys) throws IOException {
        java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream(blob.length);
        Opening opening = new Opening(blob.length, keys, bytes -> plain.write(bytes.array(),
                bytes.arrayOffset() + bytes.position(), bytes.remaining()));
        opening.update(ByteBuffer.wrap(blob));
        opening.finish(null, null);
        return plain.toByteArray();
    }

    /** Where {@link Opening} puts plaintext: storage only the SDK can see until the blob has been verified. */
    interface PlainSink {
        /** Takes all that {@code plain} has left; the buffer is reused afterwards. */
        void write(ByteBuffer plain) throws IOException;
    }

    /**
     * Checks a blob and decrypts it in one pass, fed piece by piece as it is downloaded: the blob's SHA-256 and MAC
     * are computed and the ciphertext is decrypted into a {@link PlainSink} at the same time. The plaintext may only
     * be released after {@link #finish} returns: the sink must be private storage (a temporary file the caller
     * deletes on failure), because nothing it holds has been authenticated before then. Refuses a byte beyond the
     * declared size as soon as it is offered.
     */
    static final class Opening {
        private final long blobSize;
        private final MessageDigest blobSha = sha256();
        private final MessageDigest plainSha = sha256();
        private final Mac mac;
        private final Cipher cipher;
        private final PlainSink sink;
        private final ByteBuffer plain = ByteBuffer.allocate(CHUNK + 2 * BLOCK);
        private final byte[] stored = new byte[MAC_BYTES];
        private long seen;

        Opening(long blobSize, MediaKeys keys, PlainSink sink) {
            if (blobSize < BLOCK + MAC_BYTES || (blobSize - MAC_BYTES) % BLOCK != 0) {
                throw new MediaIntegrityException("the blob has " + blobSize + " bytes: not a Courier media blob");
            }
            this.blobSize = blobSize;
            this.mac = mac(keys);
            mac.update(keys.iv());
            this.cipher = cipher(Cipher.DECRYPT_MODE, keys);
            this.sink = sink;
        }

        /** Takes the next bytes of the blob (all that {@code bytes} has left). */
        void update(ByteBuffer bytes) throws IOException {
            int length = bytes.remaining();
            if (length > blobSize - seen) {
                throw new MediaIntegrityException("the blob is longer than declared");
            }
            blobSha.update(bytes.duplicate());
            int ciphertext = (int) Math.max(0, Math.min(length, blobSize - MAC_BYTES - seen));
            ByteBuffer encrypted = bytes.duplicate();
            encrypted.limit(encrypted.position() + ciphertext);
            mac.update(encrypted.duplicate());
            while (encrypted.hasRemaining()) {
                ByteBuffer piece = encrypted.duplicate();
                piece.limit(piece.position() + Math.min(CHUNK, piece.remaining()));
                encrypted.position(piece.limit());
                try {
                    cipher.update(piece, plain);
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("AES-CBC failed", e);
                }
                release();
            }
            if (ciphertext < length) { // the rest is (part of) the stored MAC at the blob's end
                bytes.duplicate().position(bytes.position() + ciphertext)
                        .get(stored, (int) (seen + ciphertext - (blobSize - MAC_BYTES)), length - ciphertext);
            }
            seen += length;
        }

        /**
         * After the last byte, in this order: the blob is complete, its SHA-256 is {@code blobSha256} (when given),
         * its MAC verifies, its padding is valid, and the plaintext's SHA-256 is {@code plainSha256} (when given).
         * Throws {@link MediaIntegrityException} at the first that fails; the sink's content must then be discarded.
         */
        void finish(byte[] blobSha256, byte[] plainSha256) throws IOException {
            if (seen < blobSize) {
                throw new MediaIntegrityException("the blob ended early");
            }
            if (blobSha256 != null && !MessageDigest.isEqual(blobSha.digest(), blobSha256)) {
                throw new MediaIntegrityException("the blob's SHA-256 differs from the one in the message");
            }
            if (!MessageDigest.isEqual(mac.doFinal(), stored)) {
                throw new MediaIntegrityException("the blob's MAC does not verify: it was tampered with or the key is"
                        + " wrong");
            }
            try {
                cipher.doFinal(ByteBuffer.allocate(0), plain);
            } catch (GeneralSecurityException e) {
                throw new MediaIntegrityException("the blob's padding is invalid");
            }
            release();
            if (plainSha256 != null && !MessageDigest.isEqual(plainSha.digest(), plainSha256)) {
                throw new MediaIntegrityException("the plaintext's SHA-256 differs from the one in the message");
            }
        }

        private void release() throws IOException {
            plain.flip();
            plainSha.update(plain.duplicate());
            sink.write(plain);
            plain.clear();
        }
    }

    /** The encrypting stream: ciphertext as the plaintext is read, then the MAC. */
    static final class Encrypting extends InputStream {
        private final InputStream plaintext;
        private final Cipher cipher;
        private final Mac mac;
        private final MessageDigest plainSha = sha256();
        private final MessageDigest blobSha = sha256();
        private final byte[] in = new byte[CHUNK];
        private final byte[] pending = new byte[CHUNK + BLOCK + MAC_BYTES];
        private int available;
        private int offset;
        private boolean finished;

        private Encrypting(InputStream plaintext, MediaKeys keys) {
            this.plaintext = plaintext;
            this.cipher = cipher(Cipher.ENCRYPT_MODE, keys);
            this.mac = mac(keys);
            mac.update(keys.iv());
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (offset == available) {
                if (finished) {
                    return -1;
                }
                fill();
            }
            int n = Math.min(len, available - offset);
            System.arraycopy(pending, offset, b, off, n);
            offset += n;
            return n;
        }

        private void fill() throws IOException {
            int n = plaintext.read(in);
            try {
                if (n < 0) {
                    available = cipher.doFinal(pending, 0);
                    mac.update(pending, 0, available);
                    mac.doFinal(pending, available);
                    available += MAC_BYTES;
                    finished = true;
                } else {
                    plainSha.update(in, 0, n);
                    available = cipher.update(in, 0, n, pending, 0);
                    mac.update(pending, 0, available);
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-CBC or HMAC failed", e);
            }
            blobSha.update(pending, 0, available);
            offset = 0;
        }

        /** SHA-256 of the plaintext read; valid once the stream has been read to the end. */
        byte[] plaintextSha256() {
            checkFinished();
            return plainSha.digest();
        }

        /** SHA-256 of the blob produced; valid once the stream has been read to the end. */
        byte[] blobSha256() {
            checkFinished();
            return blobSha.digest();
        }

        private void checkFinished() {
            if (!finished || offset != available) {
                throw new IllegalStateException("the blob has not been read to the end");
            }
        }

        @Override
        public void close() throws IOException {
            plaintext.close();
        }
    }

    private static Cipher cipher(int mode, MediaKeys keys) {
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            cipher.init(mode, new SecretKeySpec(keys.cipherKey(), "AES"), new IvParameterSpec(keys.iv()));
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-CBC is not available", e);
        }
    }

    private static Mac mac(MediaKeys keys) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(keys.macKey(), "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
