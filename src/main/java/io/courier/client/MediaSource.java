package io.courier.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Plaintext to upload, readable more than once: a resumed upload encrypts it again (the encryption is deterministic
 * for a media key) and skips what the store already holds, so a large file never has to sit in memory.
 */
public interface MediaSource {
    long size() throws IOException;

    InputStream open() throws IOException;

    static MediaSource of(Path file) {
        return new MediaSource() {
            @Override
            public long size() throws IOException {
                return Files.size(file);
            }

            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }
        };
    }

    static MediaSource of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new MediaSource() {
            @Override
            public long size() {
                return copy.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(copy);
            }
        };
    }
}
