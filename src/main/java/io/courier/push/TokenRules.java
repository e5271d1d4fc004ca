package io.courier.push;

import java.util.Locale;
import java.util.regex.Pattern;

import io.courier.api.v1.PushPlatform;
import io.courier.common.Rejections;

/** What a well-formed token looks like per platform; the messages never echo the token (it is a secret). */
final class TokenRules {
    /** APNs device tokens are hex; 32 bytes today, and Apple says they may grow (to 100 bytes at most). */
    private static final Pattern APNS = Pattern.compile("(?:[0-9a-fA-F]{2}){32,100}");
    /** FCM registration tokens are opaque base64url-like strings of about 150–200 characters. */
    private static final Pattern FCM = Pattern.compile("[A-Za-z0-9_:.\\-]{1,4096}");

    private TokenRules() {
    }

    /** The token as stored (APNs hex in lower case), or INVALID_ARGUMENT. */
    static PushToken parse(PushPlatform platform, String token) {
        return switch (platform) {
            case PUSH_PLATFORM_APNS -> {
                if (!APNS.matcher(token).matches()) {
                    throw Rejections.invalidArgument("an APNs token is 64 to 200 hex digits");
                }
                yield new PushToken(platform, token.toLowerCase(Locale.ROOT));
            }
            case PUSH_PLATFORM_FCM -> {
                if (!FCM.matcher(token).matches()) {
                    throw Rejections.invalidArgument(
                            "an FCM token is 1 to 4096 characters of A-Z, a-z, 0-9, '_', '-', ':' and '.'");
                }
                yield new PushToken(platform, token);
            }
            default -> throw Rejections.invalidArgument("platform must be PUSH_PLATFORM_APNS or PUSH_PLATFORM_FCM");
        };
    }
}
