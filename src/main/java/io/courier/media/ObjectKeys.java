package io.courier.media;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

import io.courier.common.Rejections;

/** Object keys: 128 random bits in hex, unguessable, so a key is the capability to fetch a blob. */
final class ObjectKeys {
    private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ObjectKeys() {
    }

    static String random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The key if it has the shape this node hands out; anything else is refused before it reaches a store. */
    static String checked(String key) {
        if (key.isEmpty()) {
            throw Rejections.invalidArgument("object_key is required");
        }
        if (!FORMAT.matcher(key).matches()) {
            throw Rejections.invalidArgument("object_key is not a key this service issued");
        }
        return key;
    }
}
