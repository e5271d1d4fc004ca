package io.courier.group;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.google.protobuf.ByteString;

import io.courier.cluster.RateLimiter;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.Ids;
import io.courier.common.Rejections;
import io.courier.store.Blobs;
import io.courier.store.Cql;
import reactor.core.publisher.Mono;

/**
 * Revocable invite links: an admin makes a group's link (replacing the one before), anyone holding it joins, an
 * admin revokes it. A token is the group's id and {@value #SECRET_BYTES} random bytes; the group's row in
 * {@code group_invite_links} keeps only the hash of its one current token, so a new link or a revocation voids every
 * earlier one, and no call can make the table hold more than a row per group. Every call costs the caller's budget of
 * group changes, before any read.
 */
final class InviteLinks {
    static final int SECRET_BYTES = 16;
    static final int TOKEN_BYTES = 16 + SECRET_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Groups groups;
    private final GroupStore store;
    private final Cql cql;
    private final RateLimiter limiter;
    private final GroupConfig config;
    private final PreparedStatement setCurrent;
    private final PreparedStatement findCurrent;
    private final PreparedStatement clearCurrent;

    InviteLinks(Groups groups, GroupStore store, Cql cql, RateLimiter limiter, GroupConfig config) {
        this.groups = groups;
        this.store = store;
        this.cql = cql;
        this.limiter = limiter;
        this.config = config;
        var session = cql.session();
        setCurrent = session.prepare("INSERT INTO group_invite_links (group_id, token_hash) VALUES (?, ?)");
        findCurrent = session.prepare("SELECT token_hash FROM group_invite_links WHERE group_id = ?");
        clearCurrent = session.prepare("DELETE FROM group_invite_links WHERE group_id = ?");
    }

    /** A new link for the group (admins only); every earlier link of the group stops working. */
    Mono<ByteString> create(AuthenticatedDevice caller, ByteString groupIdBytes) {
        UUID groupId = Ids.uuid(groupIdBytes, "group_id");
        byte[] token = ByteBuffer.allocate(TOKEN_BYTES).putLong(groupId.getMostSignificantBits())
                .putLong(groupId.getLeastSignificantBits()).put(secret()).array();
        return budget(caller)
                .then(requireAdmin(caller, groupId, "create an invite link"))
                .then(cql.write(setCurrent.bind(groupId, ByteBuffer.wrap(hash(token)))))
                .thenReturn(ByteString.copyFrom(token));
    }

    /** The group's link stops working (admins only); idempotent. */
    Mono<Void> revoke(AuthenticatedDevice caller, ByteString groupIdBytes) {
        UUID groupId = Ids.uuid(groupIdBytes, "group_id");
        return budget(caller)
                .then(requireAdmin(caller, groupId, "revoke the invite link"))
                .then(cql.write(clearCurrent.bind(groupId)));
    }

    /**
     * The caller joins the group whose current link this is. A join racing a revocation may still land: the check
     * and the membership change are two writes (as for a message sent just before a block).
     */
    Mono<GroupState> join(AuthenticatedDevice caller, ByteString token) {
        if (token.size() != TOKEN_BYTES) {
            throw Rejections.invalidArgument("invite_token must be " + TOKEN_BYTES + " bytes, got " + token.size());
        }
        ByteBuffer bytes = token.asReadOnlyByteBuffer();
        UUID groupId = new UUID(bytes.getLong(), bytes.getLong());
        byte[] hash = hash(token.toByteArray());
        return budget(caller)
                .then(cql.one(findCurrent.bind(groupId), row -> Blobs.bytes(row.getByteBuffer("token_hash"))))
                .filter(current -> MessageDigest.isEqual(current, hash))
                .switchIfEmpty(Mono.error(() -> Rejections.notFound(
                        "this invite link is not valid: it was revoked, replaced, or never made")))
                .then(Mono.defer(() -> groups.join(caller, groupId)));
    }

    private Mono<Void> budget(AuthenticatedDevice caller) {
        return limiter.acquire(config.changes(), caller.accountId().toString());
    }

    private Mono<Void> requireAdmin(AuthenticatedDevice caller, UUID groupId, String action) {
        return store.find(groupId)
                .switchIfEmpty(Mono.error(() -> Rejections.notFound("the group does not exist")))
                .doOnNext(group -> {
                    if (!group.isAdmin(caller.accountId())) {
                        throw Rejections.permissionDenied("only the group's admins may " + action);
                    }
                })
                .then();
    }

    private static byte[] secret() {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return secret;
    }

    private static byte[] hash(byte[] token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
