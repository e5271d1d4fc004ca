package io.courier.account;

/**
 * Checks a device attestation or captcha token before a verification code is sent (Signal asks for a captcha or a
 * push challenge before its SMS): SMS pumping then costs a solved challenge per code. Deployments add a bean of this
 * type (e.g. a captcha provider's client); without one every request passes. Called on a worker thread, so it may
 * wait on HTTP. Implementations must not log the token.
 */
public interface CodeRequestAttestation {
    /** Lets every request pass: the default when no attestation service is configured. */
    CodeRequestAttestation ACCEPT_ALL = (token, phoneNumber, peer) -> true;

    /**
     * @param token       the request's attestation_token, empty if it sent none
     * @param phoneNumber where the code would go, E.164
     * @param peer        the caller's network address
     * @return whether the code may be sent
     */
    boolean accepts(String token, String phoneNumber, String peer);
}
