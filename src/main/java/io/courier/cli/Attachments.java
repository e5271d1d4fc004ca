package io.courier.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.courier.client.Content;
import io.courier.client.MediaDetails;
import io.courier.client.MediaSource;
import io.courier.client.UploadedMedia;

/** Files go as documents: encrypted on this machine, uploaded straight to the object store, then referenced. */
final class Attachments {
    private Attachments() {
    }

    /** Uploads the file and returns the message content that points at it. */
    static byte[] upload(Session session, Path file, String caption) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such file: " + file);
        }
        String mime = Files.probeContentType(file);
        MediaDetails details = MediaDetails.document(mime == null ? "application/octet-stream" : mime,
                file.getFileName().toString(), new byte[0]);
        UploadedMedia uploaded = session.media().upload(MediaSource.of(file), details).result().block();
        return Content.media(uploaded, caption).encode();
    }

    static String summary(Path file, String caption) {
        return "📎 " + file.getFileName() + (caption.isEmpty() ? "" : " " + caption);
    }
}
