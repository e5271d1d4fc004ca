package io.courier.account;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.Blobs;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/**
 * The pending verification code of each number, hashed. Every guess reserves an attempt with a compare-and-set
 * before the code is compared, and consumption is compare-and-delete. Not final: tests gate its reads.
 */
class VerificationCodeStore {
    record PendingCode(byte[] salt, byte[] codeHash, Instant expiresAt, int attempts) {
    }

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement reserveAttempt;
    private final PreparedStatement consume;

    VerificationCodeStore(CqlSession session) {
        this.session = session;
        insert = session.prepare("INSERT INTO verification_codes (phone, salt, code_hash, expires_at, attempts)"
                + " VALUES (?, ?, ?, ?, 0) USING TTL ?");
        select = session.prepare("SELECT salt, code_hash, expires_at, attempts FROM verification_codes WHERE phone = ?");
        reserveAttempt = session.prepare("UPDATE verification_codes SET attempts = ? WHERE phone = ?"
                + " IF attempts = ? AND code_hash = ?");
        consume = session.prepare("DELETE FROM verification_codes WHERE phone = ? IF code_hash = ?");
    }

    Mono<Void> put(String phone, byte[] salt, byte[] codeHash, Instant expiresAt, Duration ttl) {
        // The row outlives expires_at by a minute so an expired code is reported as expired, not unknown.
        int ttlSeconds = (int) ttl.plusMinutes(1).toSeconds();
        return ReactiveCql.execute(session, insert.bind(phone, ByteBuffer.wrap(salt), ByteBuffer.wrap(codeHash),
                expiresAt, ttlSeconds)).then();
    }

    /** The number's pending code; empty if there is none. */
    Mono<PendingCode> find(String phone) {
        return ReactiveCql.execute(session, select.bind(phone)).mapNotNull(AsyncResultSet::one)
                .map(r -> new PendingCode(Blobs.bytes(r.getByteBuffer("salt")),
                        Blobs.bytes(r.getByteBuffer("code_hash")), r.getInstant("expires_at"), r.getInt("attempts")));
    }

    /**
     * Reserves the next attempt on {@code code} as read; false if another guess reserved it first, or the code was
     * replaced (the caller re-reads).
     */
    Mono<Boolean> reserveAttempt(String phone, PendingCode code) {
        return ReactiveCql.execute(session, reserveAttempt.bind(code.attempts() + 1, phone, code.attempts(),
                ByteBuffer.wrap(code.codeHash()))).map(AsyncResultSet::wasApplied);
    }

    /** Deletes the code if it is still this one; only one caller can consume a code. */
    Mono<Boolean> consume(String phone, PendingCode code) {
        return ReactiveCql.execute(session, consume.bind(phone, ByteBuffer.wrap(code.codeHash())))
                .map(AsyncResultSet::wasApplied);
    }

}
