package io.courier.client;

import java.time.Instant;

/**
 * A device joined this account through a link code: show it to the user, who revokes it ({@link
 * CourierClient#revokeDevice}) if it isn't theirs. Only the account's other devices get it, never the new one.
 */
public record LinkedDeviceNotice(int deviceId, String deviceName, Instant linkedAt) {
}
