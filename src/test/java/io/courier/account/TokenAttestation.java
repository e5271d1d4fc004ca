package io.courier.account;

/** A test attestation service: accepts exactly one token and counts the checks it was asked for. */
final class TokenAttestation implements CodeRequestAttestation {
    private final String accepted;
    private int checks;

    TokenAttestation(String accepted) {
        this.accepted = accepted;
    }

    @Override
    public synchronized boolean accepts(String token, String phoneNumber, String peer) {
        checks++;
        return accepted.equals(token);
    }

    synchronized int checks() {
        return checks;
    }
}
