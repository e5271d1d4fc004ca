package io.courier.client;

import java.util.Optional;
import java.util.UUID;

/** Someone typing to this account ({@code group} empty) or in one of its groups; show it a few seconds at most. */
public record TypingIndicator(UUID sender, int senderDevice, Optional<UUID> group, boolean started) {
}
