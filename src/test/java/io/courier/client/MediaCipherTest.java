package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.kdf.HKDF;

import io.courier.api.v1.MediaKind;

/** The media scheme with real JCE crypto: sizes, digests, and refusal before any decryption. */
class MediaCipherTest {
    private static final MediaKeys KEYS = MediaKeys.forBlob(MediaKeys.newMediaKey(), MediaKind.MEDIA_KIND_IMAGE);

    @Test
    void hkdfIsRfc5869() {
        // RFC 5869, test case 1: the argument order of the library is the one MediaKeys relies on.
        HexFormat hex = HexFormat.of();
        byte[] okm = HKDF.deriveSecrets(hex.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                hex.parseHex("000102030405060708090a0b0c"), hex.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42);
        assertThat(hex.formatHex(okm)).isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                + "34007208d5b887185865");
    }

    @Test
    void keysDifferPerKindAndForTheThumbnail() {
        byte[] mediaKey = MediaKeys.newMediaKey();
        MediaKeys image = MediaKeys.forBlob(mediaKey, MediaKind.MEDIA_KIND_IMAGE);
        MediaKeys video = MediaKeys.forBlob(mediaKey, MediaKind.MEDIA_KIND_VIDEO);
        MediaKeys thumbnail = MediaKeys.forThumbnail(mediaKey);
        assertThat(image.cipherKey()).hasSize(32).isNotEqualTo(video.cipherKey()).isNotEqualTo(thumbnail.cipherKey());
        assertThat(image.macKey()).hasSize(32).isNotEqualTo(image.cipherKey());
        assertThat(image.iv()).hasSize(16);
    }

    @Test
    void aStreamedBlobHasThePredictedSizeDigestsAndDecryptsBack() throws Exception {
        for (int size : new int[] { 0, 1, 15, 16, 17, 200_000 }) {
            byte[] plain = random(size);
            MediaCipher.Encrypting encrypting = MediaCipher.encrypt(new ByteArrayInputStream(plain), KEYS);
            byte[] blob = encrypting.readAllBytes();

            assertThat(blob.length).as("size of %d bytes", size).isEqualTo(MediaCipher.blobSize(size));
            assertThat(encrypting.blobSha256()).isEqualTo(sha256(blob));
            assertThat(encrypting.plaintextSha256()).isEqualTo(sha256(plain));
            assertThat(open(blob, blob.length, KEYS, sha256(blob), sha256(plain))).isEqualTo(plain);
        }
    }

    @Test
    void theSameMediaKeyEncryptsToTheSameBlobSoAResumedUploadSendsIdenticalParts() throws Exception {
        byte[] plain = random(100_000);
        assertThat(MediaCipher.encrypt(new ByteArrayInputStream(plain), KEYS).readAllBytes())
                .isEqualTo(MediaCipher.encrypt(new ByteArrayInputStream(plain), KEYS).readAllBytes());
    }

    @Test
    void aBlobFedInPiecesOfAnySizeOpensTheSame() throws Exception {
        byte[] plain = random(300_000);
        byte[] blob = MediaCipher.encrypt(new ByteArrayInputStream(plain), KEYS).readAllBytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MediaCipher.Opening opening = new MediaCipher.Opening(blob.length, KEYS, sink(out));
        int[] sizes = { 1, 7, 16, 100_000, 33, 70_000 };
        for (int offset = 0, i = 0; offset < blob.length; i++) {
            int n = Math.min(sizes[i % sizes.length], blob.length - offset);
            opening.update(ByteBuffer.wrap(blob, offset, n));
            offset += n;
        }
        opening.finish(sha256(blob), sha256(plain));
        assertThat(out.toByteArray()).isEqualTo(plain);
    }

    @Test
    void tamperedCiphertextIsRefusedByDigestAndMac() throws Exception {
        byte[] plain = random(5000);
        byte[] blob = MediaCipher.encrypt(new ByteArrayInputStream(plain), KEYS).readAllBytes();
        byte[] digest = sha256(blob);
        blob[100] ^= 1;

        assertThatThrownBy(() -> open(blob, blob.length, KEYS, digest, null))
                .isInstanceOf(MediaIntegrityException.class).hasMessageContaining("SHA-256");
        // Even with a digest that matches the tampered blob, the MAC refuses it.
        assertThatThrownBy(() -> open(blob, blob.length, KEYS, sha256(blob), null))
                .isInstanceOf(MediaIntegrityException.class).hasMessageContaining("MAC");
    }

    @Test
    void aTamperedLastBlockIsRefusedByTheMacNotReportedAsBadPadding() throws Exception {
        byte[] blob = MediaCipher.encrypt(new ByteArrayInputStream(random(3000)), KEYS).readAllBytes();
        blob[blob.length - MediaCipher.MAC_BYTES - 1] ^= 1; // breaks the padding too: the MAC must speak first
        assertThatThrownBy(() -> open(blob, blob.length, KEYS, sha256(blob), null))
                .isInstanceOf(MediaIntegrityException.class).hasMessageContaining("MAC");
    }

    @Test
    void aWrongDigestOrAWrongKeyIsRefused() throws Exception {
        byte[] blob = MediaCipher.encrypt(new ByteArrayInputStream(random(3000)), KEYS).readAllBytes();
        byte[] wrongDigest = sha256(random(10));
        assertThatThrownBy(() -> open(blob, blob.length, KEYS, wrongDigest, null))
                .isInstanceOf(MediaIntegrityException.class).hasMessageContaining("SHA-256");

        MediaKeys otherKeys = MediaKeys.forBlob(MediaKeys.newMediaKey(), MediaKind.MEDIA_KIND_IMAGE);
        assertThatThrownBy(() -> open(blob, blob.length, otherKeys, sha256(blob), null))
                .isInstanceOf(MediaIntegrityException.class).hasMessageContaining("MAC");
    }

    @Test
    void truncatedOrExtendedBlobsAreRefused() throws Exception {
        byte[] blob = MediaCipher.encrypt(new ByteArrayInputStream(random(3000)), KEYS).readAllBytes();
        byte[] shorter = Arrays.copyOf(blob, blob.length - 16);
        assertThatThrownBy(() -> open(shorter, blob.length, KEYS, null, null))
                .isInstanceOf(MediaIntegrityException.class).hasMessageContaining("ended early");
        byte[] longer = Arrays.copyOf(blob, blob.length + 1);
        assertThatThrownBy(() -> open(longer, blob.length, KEYS, null, null))
                .isInstanceOf(MediaIntegrityException.class).hasMessageContaining("longer");
        assertThatThrownBy(() -> open(blob, blob.length - 1, KEYS, null, null))
                .isInstanceOf(MediaIntegrityException.class).hasMessageContaining("not a Courier media blob");
    }

    @Test
    void aWrongPlaintextDigestIsCaughtAfterDecryption() throws Exception {
        byte[] blob = MediaCipher.encrypt(new ByteArrayInputStream(random(3000)), KEYS).readAllBytes();
        assertThatThrownBy(() -> open(blob, blob.length, KEYS, sha256(blob), sha256(random(3))))
                .isInstanceOf(MediaIntegrityException.class).hasMessageContaining("plaintext");
    }

    @Test
    void aThumbnailRoundTripsInMemory() throws Exception {
        byte[] thumbnail = random(2000);
        assertThat(MediaCipher.decrypt(MediaCipher.encrypt(thumbnail, KEYS), KEYS)).isEqualTo(thumbnail);
    }

    /** Opens {@code blob}, declared as {@code declaredSize} bytes, in one piece; the plaintext if all verified. */
    private static byte[] open(byte[] blob, long declaredSize, MediaKeys keys, byte[] blobSha, byte[] plainSha)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MediaCipher.Opening opening = new MediaCipher.Opening(declaredSize, keys, sink(out));
        opening.update(ByteBuffer.wrap(blob));
        opening.finish(blobSha, plainSha);
        return out.toByteArray();
    }

    private static MediaCipher.PlainSink sink(ByteArrayOutputStream out) {
        return plain -> {
            byte[] bytes = new byte[plain.remaining()];
            plain.get(bytes);
            out.write(bytes);
        };
    }

    static byte[] random(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }
}
