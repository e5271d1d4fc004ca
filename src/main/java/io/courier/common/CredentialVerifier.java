package io.courier.common;

import java.util.concurrent.CompletionStage;

/** Turns a bearer token into the device it belongs to; implemented by the account capability. */
public interface CredentialVerifier {
    /**
     * Completes with the device the token authenticates, or fails with a {@link io.grpc.StatusRuntimeException}
     * (UNAUTHENTICATED when the token is malformed, wrong or revoked). Must not block: it runs on transport threads.
     */
    CompletionStage<AuthenticatedDevice> verify(String token);
}
