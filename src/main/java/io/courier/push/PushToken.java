package io.courier.push;

import io.courier.api.v1.PushPlatform;

/** A device's push token. The token is a secret: {@link #toString()} leaves it out, so it never reaches a log. */
record PushToken(PushPlatform platform, String token) {
    @Override
    public String toString() {
        return platform + " token";
    }
}
