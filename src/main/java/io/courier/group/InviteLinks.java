package io.courier.group;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.google.protobuf.ByteString;

import io.courier.common.AuthenticatedDevice;
import io.courier.common.Ids;
import io.courier.common.Rejections;
import io.courier.store.Blobs;
import io.courier.store.Cql;
import reactor.core.publisher.Mono;

/**
 * Revocable invite links: an admin makes a group's link (replacing the one before), anyone holding it joins, an
 * admin revokes it. A link is a random token of {@value #TOKEN_BYTES} bytes; only its hash is stored, and a token
 * is valid only while its hash is the group's current one.
 */
final class InviteLinks {
    static final int TOKEN_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Groups groups;
    private final GroupStore store;
    private final Cql cql;
    private final PreparedStatement insertInvite;
    private final PreparedStatement findInvite;
    private final PreparedStatement setCurrent;
    private final PreparedStatement findCurrent;
    private final PreparedStatement clearCurrent;

    InviteLinks(Groups groups, GroupStore store, Cql cql) {
        this.groups = groups;
        this.store = store;
        this.cql = cql;
        var session = cql.session();
        insertInvite = session.prepare("INSERT INTO group_invites (token_hash, group_id) VALUES (?, ?)");
        findInvite = session.prepare("SELECT group_id FROM group_invites WHERE token_hash = ?");
        setCurrent = session.prepare("INSERT INTO group_invite_links (group_id, token_hash) VALUES (?, ?)");
        findCurrent = session.prepare("SELECT token_hash FROM group_invite_links WHERE group_id = ?");
        clearCurrent = session.prepare("DELETE FROM group_invite_links WHERE group_id = ?");
    }

    /** A new link for the group (admins only); every earlier link of the group stops working. */
    Mono<ByteString> create(AuthenticatedDevice caller, ByteString groupIdBytes) {
        UUID groupId = Ids.uuid(groupIdBytes, "group_id");
        byte[] token = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(token);
        byte[] hash = hash(token);
        return requireAdmin(caller, groupId, "create an invite link")
                .then(cql.write(insertInvite.bind(ByteBuffer.wrap(hash), groupId)))
                .then(cql.write(setCurrent.bind(groupId, ByteBuffer.wrap(hash))))
                .thenReturn(ByteString.copyFrom(token));
    }

    /** The group's link stops working (admins only); idempotent. */
    Mono<Void> revoke(AuthenticatedDevice caller, ByteString groupIdBytes) {
        UUID groupId = Ids.uuid(groupIdBytes, "group_id");
        return requireAdmin(caller, groupId, "revoke the invite link").then(cql.write(clearCurrent.bind(groupId)));
    }

    /** The caller joins the group whose current link this is. */
    Mono<GroupState> join(AuthenticatedDevice caller, ByteString token) {
        if (token.size() != TOKEN_BYTES) {
            throw Rejections.invalidArgument("invite_token must be " + TOKEN_BYTES + " bytes, got " + token.size());
        }
        byte[] hash = hash(token.toByteArray());
        return cql.one(findInvite.bind(ByteBuffer.wrap(hash)), row -> row.getUuid("group_id"))
                .filterWhen(groupId -> cql.one(findCurrent.bind(groupId), row -> Blobs.bytes(row.getByteBuffer(
                        "token_hash"))).map(current -> MessageDigest.isEqual(current, hash)))
                .switchIfEmpty(Mono.error(() -> Rejections.notFound(
                        "this invite link is not valid: it was revoked, replaced, or never made")))
                .flatMap(groupId -> groups.join(caller, groupId));
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

    private static byte[] hash(byte[] token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
