package io.courier.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * WhatsApp's media scheme, streaming both ways: blob = AES-256-CBC/PKCS7(plaintext) ‖ HMAC-SHA256(IV ‖ ciphertext)
 * (the full 32 bytes; WhatsApp keeps 10). Decryption is two passes over the blob: first the blob's SHA-256 and the
 * MAC are checked (while the blob is being downloaded), and only then is anything decrypted; the plaintext's SHA-256
 * is checked at the end.
 */
final class MediaCipher {
    static final int MAC_BYTES = 32;
    private static final int BLOCK = 16;
    private static final int CHUNK = 64 * 1024;

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

    /** Checks a small blob's MAC, then decrypts it in memory. */
    static byte[] decrypt(byte[] blob, MediaKeys keys) throws IOException {
        verify(new java.io.ByteArrayInputStream(blob), blob.length, keys, null);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(blob.length);
        decrypt(new java.io.ByteArrayInputStream(blob), blob.length, keys, out, null);
        return out.toByteArray();
    }

    /**
     * First pass: the blob's SHA-256 (if {@code expectedSha256} is given) and its MAC. Throws
     * {@link MediaIntegrityException} on any mismatch; decrypts nothing.
     */
    static void verify(InputStream blob, long blobSize, MediaKeys keys, byte[] expectedSha256) throws IOException {
        Verifier verifier = new Verifier(blobSize, keys);
        byte[] buffer = new byte[CHUNK];
        for (int n; (n = blob.read(buffer)) >= 0;) {
            verifier.update(ByteBuffer.wrap(buffer, 0, n));
        }
        verifier.finish(expectedSha256);
    }

    /**
     * The first pass fed piece by piece, so a download can be checked while it arrives: the blob's SHA-256 and MAC.
     * Refuses a byte beyond the declared size as soon as it is offered.
     */
    static final class Verifier {
        private final long blobSize;
        private final MessageDigest sha = sha256();
        private final Mac mac;
        private final byte[] stored = new byte[MAC_BYTES];
        private long seen;

        Verifier(long blobSize, MediaKeys keys) {
            if (blobSize < BLOCK + MAC_BYTES || (blobSize - MAC_BYTES) % BLOCK != 0) {
                throw new MediaIntegrityException("the blob has " + blobSize + " bytes: not a Courier media blob");
            }
            this.blobSize = blobSize;
            this.mac = mac(keys);
            mac.update(keys.iv());
        }

        /** Takes the next bytes of the blob (all that {@code bytes} has left). */
        void update(ByteBuffer bytes) {
            int length = bytes.remaining();
            if (length > blobSize - seen) {
                throw new MediaIntegrityException("the blob is longer than declared");
            }
            sha.update(bytes.duplicate());
            int macced = (int) Math.max(0, Math.min(length, blobSize - MAC_BYTES - seen));
            mac.update(bytes.duplicate().limit(bytes.position() + macced));
            if (macced < length) { // the rest is (part of) the stored MAC at the blob's end
                bytes.duplicate().position(bytes.position() + macced)
                        .get(stored, (int) (seen + macced - (blobSize - MAC_BYTES)), length - macced);
            }
            seen += length;
        }

        /**
         * After the last byte: throws {@link MediaIntegrityException} if the blob is short, its SHA-256 is not
         * {@code expectedSha256} (when given) or its MAC does not verify.
         */
        void finish(byte[] expectedSha256) {
            if (seen < blobSize) {
                throw new MediaIntegrityException("the blob ended early");
            }
            if (expectedSha256 != null && !MessageDigest.isEqual(sha.digest(), expectedSha256)) {
                throw new MediaIntegrityException("the blob's SHA-256 differs from the one in the message");
            }
            if (!MessageDigest.isEqual(mac.doFinal(), stored)) {
                throw new MediaIntegrityException("the blob's MAC does not verify: it was tampered with or the key is"
                        + " wrong");
            }
        }
    }

    /**
     * Second pass, only after {@link #verify}: decrypts to {@code out} and checks the plaintext's SHA-256 (if given).
     */
    static void decrypt(InputStream blob, long blobSize, MediaKeys keys, OutputStream out, byte[] plainSha256)
            throws IOException {
        Cipher cipher = cipher(Cipher.DECRYPT_MODE, keys);
        MessageDigest sha = sha256();
        forEachChunk(blob, blobSize - MAC_BYTES, (buffer, n) -> {
            byte[] plain = cipher.update(buffer, 0, n);
            if (plain != null) {
                sha.update(plain);
                out.write(plain);
            }
        });
        byte[] last;
        try {
            last = cipher.doFinal();
        } catch (GeneralSecurityException e) {
            throw new MediaIntegrityException("the blob's padding is invalid");
        }
        sha.update(last);
        out.write(last);
        if (plainSha256 != null && !MessageDigest.isEqual(sha.digest(), plainSha256)) {
            throw new MediaIntegrityException("the plaintext's SHA-256 differs from the one in the message");
        }
    }

    /** Something done with each chunk read. */
    private interface ChunkHandler {
        void accept(byte[] buffer, int length) throws IOException;
    }

    /** Hands the next {@code length} bytes of {@code in} to {@code handler} chunk by chunk. */
    private static void forEachChunk(InputStream in, long length, ChunkHandler handler) throws IOException {
        byte[] buffer = new byte[CHUNK];
        for (long remaining = length; remaining > 0;) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new MediaIntegrityException("the blob ended early");
            }
            handler.accept(buffer, n);
            remaining -= n;
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
        private byte[] pending = new byte[0];
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
            while (offset == pending.length) {
                if (finished) {
                    return -1;
                }
                fill();
            }
            int n = Math.min(len, pending.length - offset);
            System.arraycopy(pending, offset, b, off, n);
            offset += n;
            return n;
        }

        private void fill() throws IOException {
            int n = plaintext.read(in);
            byte[] out;
            if (n < 0) {
                byte[] tail;
                try {
                    tail = cipher.doFinal();
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("AES-CBC failed", e);
                }
                mac.update(tail);
                byte[] tag = mac.doFinal();
                out = Arrays.copyOf(tail, tail.length + tag.length);
                System.arraycopy(tag, 0, out, tail.length, tag.length);
                finished = true;
            } else {
                plainSha.update(in, 0, n);
                out = cipher.update(in, 0, n);
                out = out == null ? new byte[0] : out;
                mac.update(out);
            }
            blobSha.update(out);
            pending = out;
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
            if (!finished || offset != pending.length) {
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
