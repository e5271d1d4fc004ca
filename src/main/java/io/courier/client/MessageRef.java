package io.courier.client;

import java.util.UUID;

/**
 * Names one message across devices ({@code MessageRef} in content.proto): its author's account and the
 * {@code sent_at_ms} the author wrote into it. Quotes, reactions, edits and deletes point at messages this way.
 */
public record MessageRef(UUID author, long sentAtMs) {

    io.courier.api.v1.MessageRef toProto() {
        return io.courier.api.v1.MessageRef.newBuilder().setAuthorAccountId(WireIds.bytes(author))
                .setSentAtMs(sentAtMs).build();
    }

    /** @throws IllegalArgumentException if the author is not a 16-byte account id */
    static MessageRef of(io.courier.api.v1.MessageRef ref) {
        if (ref.getAuthorAccountId().size() != Uuids.BYTES) {
            throw new IllegalArgumentException("a message reference's author id has "
                    + ref.getAuthorAccountId().size() + " bytes, not " + Uuids.BYTES);
        }
        return new MessageRef(WireIds.uuid(ref.getAuthorAccountId()), ref.getSentAtMs());
    }
}
