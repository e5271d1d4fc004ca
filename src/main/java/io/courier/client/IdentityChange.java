package io.courier.client;

import java.util.UUID;

/**
 * A contact's identity key changed (a reinstall, or someone else presenting the account): its safety number is new.
 * {@code sendingBlocked} when the contact was verified: sends to it fail with {@link IdentityChangedException} until
 * the user approves the new key.
 */
public record IdentityChange(UUID account, boolean sendingBlocked) {
}
