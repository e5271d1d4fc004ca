package io.courier.account;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.Blobs;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/** One-time device link codes, stored by hash. */
final class LinkCodeStore {
    /**
     * {@code issuerGeneration}: the primary install that issued it (column issuer_salt holds its 8 bytes);
     * {@code provisioningMessage}: the account identity sealed to the new device, opaque here (may be empty).
     */
    record LinkCode(UUID accountId, long issuerGeneration, Instant expiresAt, byte[] provisioningMessage) {
    }

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement consume;

    LinkCodeStore(CqlSession session) {
        this.session = session;
        insert = session.prepare("INSERT INTO link_codes (code_hash, account_id, issuer_salt, expires_at,"
                + " provisioning_message) VALUES (?, ?, ?, ?, ?) USING TTL ?");
        select = session.prepare("SELECT account_id, issuer_salt, expires_at, provisioning_message FROM link_codes"
                + " WHERE code_hash = ?");
        consume = session.prepare("DELETE FROM link_codes WHERE code_hash = ? IF EXISTS");
    }

    Mono<Void> put(byte[] codeHash, LinkCode code, Duration ttl) {
        return ReactiveCql.execute(session, insert.bind(ByteBuffer.wrap(codeHash), code.accountId(),
                ByteBuffer.allocate(Long.BYTES).putLong(0, code.issuerGeneration()), code.expiresAt(),
                ByteBuffer.wrap(code.provisioningMessage()), (int) ttl.plusMinutes(1).toSeconds())).then();
    }

    /** The code; empty if it is unknown or already used. */
    Mono<LinkCode> find(byte[] codeHash) {
        return ReactiveCql.execute(session, select.bind(ByteBuffer.wrap(codeHash))).mapNotNull(AsyncResultSet::one)
                .map(r -> new LinkCode(r.getUuid("account_id"),
                        DeviceRecord.generationOf(Blobs.bytes(r.getByteBuffer("issuer_salt"))),
                        r.getInstant("expires_at"), Blobs.bytes(r.getByteBuffer("provisioning_message"))));
    }

    /** Deletes the code; true for exactly one caller. */
    Mono<Boolean> consume(byte[] codeHash) {
        return ReactiveCql.execute(session, consume.bind(ByteBuffer.wrap(codeHash))).map(AsyncResultSet::wasApplied);
    }
}
