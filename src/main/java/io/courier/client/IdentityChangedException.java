package io.courier.client;

import java.util.UUID;

/** A send to a verified contact whose identity key changed since: refused until the user approves the new key. */
public final class IdentityChangedException extends RuntimeException {
    private final UUID account;

    IdentityChangedException(UUID account) {
        super("the identity key of " + account + ", a verified contact, changed: sending to it is blocked until the"
                + " user approves the new key (approve) or verifies the new safety number (verify)");
        this.account = account;
    }

    public UUID account() {
        return account;
    }
}
