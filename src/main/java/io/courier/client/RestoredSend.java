package io.courier.client;

import java.util.UUID;

import reactor.core.publisher.Mono;

/**
 * A message an earlier run of this device sent that the server had not acknowledged when that run ended. The client
 * sends it again under the same client id once connected (the server stores it once); {@code outcome} completes as
 * {@link CourierClient#send}'s Mono would have, and replays that to late subscribers. {@code destination} is the
 * recipient's account, or the group if {@code toGroup}; {@code dataMessage} is the serialized DataMessage as sent
 * (with its {@code sent_at_ms}, which names it).
 */
public record RestoredSend(long clientMessageId, UUID destination, boolean toGroup, byte[] dataMessage,
        Mono<SentMessage> outcome) {
}
