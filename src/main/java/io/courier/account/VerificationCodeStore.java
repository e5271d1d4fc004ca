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
 * Verification sessions: each holds one hashed code for one number and counts the guesses at it. Every guess
 * reserves an attempt with a compare-and-set before the code is compared, and consumption is compare-and-delete.
 * Not final: tests gate its reads.
 */
class VerificationCodeStore {
    /**
     * A session's pending code as read.
     *
     * @param nextGuessAt when the session takes its next guess (the back-off after wrong ones)
     */
    record PendingCode(byte[] sessionId, String phone, byte[] salt, byte[] codeHash, Instant expiresAt, int attempts,
            Instant nextGuessAt) {
    }

    /** A row outlives its code's expiry by this, so an expired code is reported as expired, not unknown. */
    private static final Duration EXPIRED_KEPT = Duration.ofMinutes(1);

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement reserveAttempt;
    private final PreparedStatement consume;

    VerificationCodeStore(CqlSession session) {
        this.session = session;
        insert = session.prepare("INSERT INTO verification_sessions (session_id, phone, salt, code_hash, expires_at,"
                + " attempts, next_guess_at) VALUES (?, ?, ?, ?, ?, 0, ?) USING TTL ?");
        select = session.prepare("SELECT phone, salt, code_hash, expires_at, attempts, next_guess_at"
                + " FROM verification_sessions WHERE session_id = ?");
        reserveAttempt = session.prepare("UPDATE verification_sessions USING TTL ? SET attempts = ?,"
                + " next_guess_at = ? WHERE session_id = ? IF attempts = ? AND code_hash = ?");
        consume = session.prepare("DELETE FROM verification_sessions WHERE session_id = ? IF code_hash = ?");
    }

    Mono<Void> put(byte[] sessionId, String phone, byte[] salt, byte[] codeHash, Instant expiresAt, Duration ttl) {
        int ttlSeconds = (int) ttl.plus(EXPIRED_KEPT).toSeconds();
        return ReactiveCql.execute(session, insert.bind(ByteBuffer.wrap(sessionId), phone, ByteBuffer.wrap(salt),
                ByteBuffer.wrap(codeHash), expiresAt, Instant.EPOCH, ttlSeconds)).then();
    }

    /** The session's pending code; empty if there is none. */
    Mono<PendingCode> find(byte[] sessionId) {
        return ReactiveCql.execute(session, select.bind(ByteBuffer.wrap(sessionId))).mapNotNull(AsyncResultSet::one)
                .map(r -> new PendingCode(sessionId, r.getString("phone"), Blobs.bytes(r.getByteBuffer("salt")),
                        Blobs.bytes(r.getByteBuffer("code_hash")), r.getInstant("expires_at"), r.getInt("attempts"),
                        r.getInstant("next_guess_at")));
    }

    /**
     * Reserves the next attempt on {@code code} as read, setting when the one after may come; false if another
     * guess reserved it first, or the code was replaced (the caller re-reads). The updated cells expire with the
     * row (cells written without a TTL would outlive it).
     */
    Mono<Boolean> reserveAttempt(PendingCode code, Instant nextGuessAt, Instant now) {
        int ttlSeconds = (int) Math.max(1, Duration.between(now, code.expiresAt().plus(EXPIRED_KEPT)).toSeconds());
        return ReactiveCql.execute(session, reserveAttempt.bind(ttlSeconds, code.attempts() + 1, nextGuessAt,
                ByteBuffer.wrap(code.sessionId()), code.attempts(), ByteBuffer.wrap(code.codeHash())))
                .map(AsyncResultSet::wasApplied);
    }

    /** Deletes the code if it is still this one; only one caller can consume a code. */
    Mono<Boolean> consume(PendingCode code) {
        return ReactiveCql.execute(session, consume.bind(ByteBuffer.wrap(code.sessionId()),
                ByteBuffer.wrap(code.codeHash()))).map(AsyncResultSet::wasApplied);
    }
}
