package io.courier.account;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.store.Blobs;

/** One-time device link codes, stored by hash. */
final class LinkCodeStore {
    record LinkCode(UUID accountId, byte[] issuerSalt, Instant expiresAt) {
    }

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement consume;

    LinkCodeStore(CqlSession session) {
        this.session = session;
        insert = session.prepare("INSERT INTO link_codes (code_hash, account_id, issuer_salt, expires_at)"
                + " VALUES (?, ?, ?, ?) USING TTL ?");
        select = session.prepare("SELECT account_id, issuer_salt, expires_at FROM link_codes WHERE code_hash = ?");
        consume = session.prepare("DELETE FROM link_codes WHERE code_hash = ? IF EXISTS");
    }

    void put(byte[] codeHash, LinkCode code, Duration ttl) {
        session.execute(insert.bind(ByteBuffer.wrap(codeHash), code.accountId(), ByteBuffer.wrap(code.issuerSalt()),
                code.expiresAt(), (int) ttl.plusMinutes(1).toSeconds()));
    }

    Optional<LinkCode> find(byte[] codeHash) {
        Row row = session.execute(select.bind(ByteBuffer.wrap(codeHash))).one();
        return Optional.ofNullable(row).map(r -> new LinkCode(r.getUuid("account_id"),
                Blobs.bytes(r.getByteBuffer("issuer_salt")), r.getInstant("expires_at")));
    }

    /** Deletes the code; true for exactly one caller. */
    boolean consume(byte[] codeHash) {
        return session.execute(consume.bind(ByteBuffer.wrap(codeHash))).wasApplied();
    }
}
