package io.courier.client;

import io.courier.api.v1.MediaKind;

/**
 * What the recipient should know about a blob besides its bytes. {@code thumbnail} is a small plaintext preview
 * (it travels encrypted inside the message); empty for none.
 */
public record MediaDetails(MediaKind kind, boolean voiceNote, String mimeType, String fileName, int width,
        int height, int durationMs, byte[] thumbnail) {
    public static MediaDetails image(String mimeType, int width, int height, byte[] thumbnail) {
        return new MediaDetails(MediaKind.MEDIA_KIND_IMAGE, false, mimeType, "", width, height, 0, thumbnail);
    }

    public static MediaDetails video(String mimeType, int width, int height, int durationMs, byte[] thumbnail) {
        return new MediaDetails(MediaKind.MEDIA_KIND_VIDEO, false, mimeType, "", width, height, durationMs,
                thumbnail);
    }

    public static MediaDetails voiceNote(String mimeType, int durationMs) {
        return new MediaDetails(MediaKind.MEDIA_KIND_AUDIO, true, mimeType, "", 0, 0, durationMs, new byte[0]);
    }

    public static MediaDetails audio(String mimeType, String fileName, int durationMs) {
        return new MediaDetails(MediaKind.MEDIA_KIND_AUDIO, false, mimeType, fileName, 0, 0, durationMs,
                new byte[0]);
    }

    public static MediaDetails document(String mimeType, String fileName, byte[] thumbnail) {
        return new MediaDetails(MediaKind.MEDIA_KIND_DOCUMENT, false, mimeType, fileName, 0, 0, 0, thumbnail);
    }
}
