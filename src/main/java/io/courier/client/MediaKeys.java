package io.courier.client;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

import org.signal.libsignal.protocol.kdf.HKDF;

import io.courier.api.v1.MediaKind;

/**
 * The keys of one blob, expanded from its 32-byte media key with HKDF-SHA256 as WhatsApp does: 112 bytes split into
 * IV (16), AES-256 key (32), HMAC-SHA256 key (32) and 32 unused. The info string names the kind, so one media key
 * used for a blob and its thumbnail gives unrelated keys.
 */
record MediaKeys(byte[] iv, byte[] cipherKey, byte[] macKey) {
    static final int MEDIA_KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    static byte[] newMediaKey() {
        byte[] key = new byte[MEDIA_KEY_BYTES];
        RANDOM.nextBytes(key);
        return key;
    }

    static MediaKeys forBlob(byte[] mediaKey, MediaKind kind) {
        return derive(mediaKey, switch (kind) {
            case MEDIA_KIND_IMAGE -> "Courier Image Keys";
            case MEDIA_KIND_VIDEO -> "Courier Video Keys";
            case MEDIA_KIND_AUDIO -> "Courier Audio Keys";
            case MEDIA_KIND_DOCUMENT -> "Courier Document Keys";
            default -> throw new IllegalArgumentException("no media keys for kind " + kind);
        });
    }

    static MediaKeys forThumbnail(byte[] mediaKey) {
        return derive(mediaKey, "Courier Thumbnail Keys");
    }

    private static MediaKeys derive(byte[] mediaKey, String info) {
        if (mediaKey.length != MEDIA_KEY_BYTES) {
            throw new IllegalArgumentException("a media key has 32 bytes, got " + mediaKey.length);
        }
        byte[] expanded = HKDF.deriveSecrets(mediaKey, new byte[32], info.getBytes(StandardCharsets.UTF_8), 112);
        return new MediaKeys(Arrays.copyOfRange(expanded, 0, 16), Arrays.copyOfRange(expanded, 16, 48),
                Arrays.copyOfRange(expanded, 48, 80));
    }
}
