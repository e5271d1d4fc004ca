package io.courier.client;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A subscribed account's online / last-seen state. Not online and no last seen: nothing to show (the account hides
 * it, one of the two blocks the other, this account hides its own, or it was last seen too long ago).
 */
public record PresenceUpdate(UUID account, boolean online, Optional<Instant> lastSeen) {
}
