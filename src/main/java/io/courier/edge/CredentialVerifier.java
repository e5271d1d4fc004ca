package io.courier.edge;

/** Turns a bearer token into the device it belongs to; implemented by the account capability. */
public interface CredentialVerifier {
    /**
     * @return the device the token authenticates
     * @throws io.grpc.StatusRuntimeException UNAUTHENTICATED when the token is malformed, wrong or revoked
     */
    AuthenticatedDevice verify(String token);
}
