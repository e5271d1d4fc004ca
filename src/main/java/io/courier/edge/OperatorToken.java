package io.courier.edge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.courier.common.ConfigRefusal;

/**
 * Checks the operator token AdminService calls carry ({@code authorization: Bearer <courier.admin.token>}). The
 * comparison takes the same time wherever the first wrong character is; the token is never logged.
 */
final class OperatorToken {
    static final int MIN_LENGTH = 32;
    private static final String BEARER = "Bearer ";

    private final Optional<byte[]> expected;

    OperatorToken(Optional<String> token) {
        token.ifPresent(t -> {
            if (t.length() < MIN_LENGTH) {
                throw new ConfigRefusal("courier.admin.token must be at least " + MIN_LENGTH
                        + " characters (e.g. openssl rand -hex 32)");
            }
        });
        this.expected = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws StatusRuntimeException PERMISSION_DENIED when no token is configured, UNAUTHENTICATED when wrong */
    void check(String authorization) {
        if (expected.isEmpty()) {
            throw Status.PERMISSION_DENIED
                    .withDescription("AdminService is off on this node: no courier.admin.token is configured")
                    .asRuntimeException();
        }
        if (authorization == null || !authorization.startsWith(BEARER)) {
            throw Status.UNAUTHENTICATED
                    .withDescription("AdminService needs the header 'authorization: Bearer <operator token>'")
                    .asRuntimeException();
        }
        byte[] offered = authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected.get(), offered)) {
            throw Status.UNAUTHENTICATED.withDescription("wrong operator token").asRuntimeException();
        }
    }
}
