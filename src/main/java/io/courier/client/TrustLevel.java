package io.courier.client;

/** How far this device trusts a contact's identity key (the account's, shared by its devices). */
public enum TrustLevel {
    /** Trusted on first use, or its change accepted: sends go through; a later change is announced, not blocked. */
    UNVERIFIED,
    /** The user compared safety numbers ({@link CourierClient#verify}): a change blocks sending until approved. */
    VERIFIED,
    /** A verified contact's key changed: sending is blocked until {@link CourierClient#approve} or verify. */
    CHANGED_SINCE_VERIFIED
}
