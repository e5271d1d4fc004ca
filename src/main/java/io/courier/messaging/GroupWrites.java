package io.courier.messaging;

import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Mono;

/** The inbox writes a group fan-out job makes ({@link GroupInbox}); an interface so tests can stop a job midway. */
public interface GroupWrites {
    /** The stored Sender Key ciphertext of a group message (empty once its 30 days are over). */
    Mono<byte[]> payload(GroupMessage message);

    /** SENT for every recipient, so the sender's status query lists every member. */
    Mono<Void> recordSent(GroupMessage message, List<UUID> recipients);

    /**
     * A reference to the payload in the inbox of every current device of each member, then pushes. The members'
     * devices are looked up while {@code ready} is still running; nothing is enqueued before it completes.
     *
     * @param ready the ciphertext, once the job may enqueue it (its SENT rows are recorded)
     * @param lookups members whose devices are looked up at once
     */
    Mono<Void> deliver(GroupMessage message, Mono<byte[]> ready, List<UUID> members, int lookups);

    /** Stores a serialized GroupEvent once, under its event id. */
    Mono<Void> storeEvent(long eventId, byte[] event);

    /** The stored event in the inbox of every current device of each account, then pushes. */
    Mono<Void> deliverEvent(long eventId, byte[] event, List<UUID> accounts, int lookups);
}
