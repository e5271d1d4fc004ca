package io.courier.account;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.UUID;

import io.courier.common.Rejections;

/**
 * The bearer credential of a device: account id, device id and a 256-bit secret, base64url-encoded as one opaque
 * string. The server stores only a salted hash of the secret.
 */
record DeviceToken(UUID accountId, int deviceId, byte[] secret) {
    static final int SECRET_BYTES = 32;
    private static final int LENGTH = 16 + 4 + SECRET_BYTES;

    static DeviceToken issue(UUID accountId, int deviceId) {
        return new DeviceToken(accountId, deviceId, Secrets.random(SECRET_BYTES));
    }

    String encode() {
        ByteBuffer buffer = ByteBuffer.allocate(LENGTH);
        buffer.putLong(accountId.getMostSignificantBits()).putLong(accountId.getLeastSignificantBits());
        buffer.putInt(deviceId).put(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer.array());
    }

    static DeviceToken decode(String token) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw Rejections.unauthenticated("malformed auth token: not base64url");
        }
        if (raw.length != LENGTH) {
            throw Rejections.unauthenticated("malformed auth token: wrong length");
        }
        // The decoder also takes padding and any value of the last character's unused bits: 32 spellings of one
        // token. Only the one the server issued is accepted, so limits keyed by the token's text can't be dodged.
        if (!token.equals(Base64.getUrlEncoder().withoutPadding().encodeToString(raw))) {
            throw Rejections.unauthenticated("malformed auth token: not as issued (padding or altered last"
                    + " character)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(raw);
        UUID account = new UUID(buffer.getLong(), buffer.getLong());
        int device = buffer.getInt();
        byte[] secret = new byte[SECRET_BYTES];
        buffer.get(secret);
        return new DeviceToken(account, device, secret);
    }
}
