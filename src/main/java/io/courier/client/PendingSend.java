package io.courier.client;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.MonoSink;

/**
 * A message waiting for its SendAck: what it is for, {@code selfContent}, the padded plaintext for the sender's other
 * devices (encrypted again for every attempt, as device lists get repaired), {@code expireAfterSeconds}, how long
 * the server may keep it (OutgoingMessage.expire_after_seconds; 0 = its normal retention), and {@code repairs}, the
 * device-list repairs so far.
 */
record PendingSend(long clientMessageId, Target target, byte[] selfContent, int expireAfterSeconds,
        MonoSink<SentMessage> sink, AtomicInteger repairs) {

    PendingSend(long clientMessageId, Target target, byte[] selfContent, int expireAfterSeconds,
            MonoSink<SentMessage> sink) {
        this(clientMessageId, target, selfContent, expireAfterSeconds, sink, new AtomicInteger());
    }

    sealed interface Target permits Direct, ToGroup, Resend {
    }

    /**
     * To every device of one account, each getting {@code content} (a padded plaintext); an {@code internal} message
     * (key material, a session ack) is the SDK's own, so it gets no ticks.
     */
    record Direct(UUID recipient, boolean internal, byte[] content) implements Target {
    }

    /**
     * A message sent again (content.proto, DecryptionError): {@code content} to the one device of {@code recipient} that
     * could not decrypt it; the account's other devices, which have it, get an empty Content (the server takes a 1:1
     * message only for every device of its recipient). The SDK's own: no ticks.
     */
    record Resend(UUID recipient, int device, byte[] content) implements Target {
    }

    /**
     * To a group. The Sender Key ciphertext is made once (a retry must not advance the chain for nothing); the
     * sender's other devices get {@code selfContent} 1:1.
     */
    record ToGroup(UUID groupId, byte[] groupCiphertext, Set<UUID> recipients) implements Target {
    }
}
