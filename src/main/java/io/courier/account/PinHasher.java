package io.courier.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.text.Normalizer;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import io.courier.common.Rejections;
import io.courier.common.RetryAfter;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Registration Lock PINs as Argon2id hashes (Bouncy Castle), computed on a scheduler of their own: a hash takes tens
 * of milliseconds and {@code memoryKib} of memory, so it never runs on a transport, driver or Hazelcast thread, and
 * that scheduler's few threads bound the memory all concurrent hashes can take. Hashes running or waiting are
 * bounded too ({@code slots}): one that finds them all taken is refused before its caller's budget is spent.
 */
final class PinHasher implements AutoCloseable {
    static final int MIN_PIN = 4;
    static final int MAX_PIN = 64;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;

    /** Argon2id cost; stored with every hash as "m=<KiB>,t=<iterations>,p=<lanes>" so defaults can change. */
    record Params(int memoryKib, int iterations, int parallelism) {
        String encode() {
            return "m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism;
        }

        static Params decode(String encoded) {
            String[] parts = encoded.split(",");
            return new Params(value(parts[0], "m="), value(parts[1], "t="), value(parts[2], "p="));
        }

        private static int value(String part, String prefix) {
            if (!part.startsWith(prefix)) {
                throw new IllegalStateException("unreadable Argon2 parameters");
            }
            return Integer.parseInt(part.substring(prefix.length()));
        }
    }

    /** A PIN as stored: never the PIN itself. */
    record StoredPin(byte[] salt, byte[] hash, String params) {
    }

    /** When a refused caller may try again: a hash takes tens of milliseconds, so the queue moves quickly. */
    private static final long BUSY_RETRY_MILLIS = 1000;

    private final Params params;
    private final Scheduler scheduler;
    private final Semaphore slots;

    /**
     * Takes ownership of {@code scheduler}: {@link #close()} disposes it. {@code slots} (hashes running or waiting)
     * must not exceed what the scheduler queues, so it never rejects one.
     */
    PinHasher(Params params, Scheduler scheduler, int slots) {
        this.params = params;
        this.scheduler = scheduler;
        this.slots = new Semaphore(slots);
    }

    @Override
    public void close() {
        scheduler.dispose();
    }

    /**
     * The PIN as hashed: NFKC-normalised (full-width and ASCII digits are the same PIN, whatever keyboard typed it),
     * {@value #MIN_PIN} to {@value #MAX_PIN} characters, no control characters. INVALID_ARGUMENT otherwise.
     */
    static byte[] requireWellFormed(String pin) {
        String normalised = Normalizer.normalize(pin == null ? "" : pin, Normalizer.Form.NFKC);
        int length = normalised.codePointCount(0, normalised.length());
        if (length < MIN_PIN || length > MAX_PIN || normalised.codePoints().anyMatch(Character::isISOControl)) {
            throw Rejections.invalidArgument("the registration lock PIN must be " + MIN_PIN + " to " + MAX_PIN
                    + " characters without control characters");
        }
        return normalised.getBytes(StandardCharsets.UTF_8);
    }

    /** Hashes {@code pin} with a fresh salt once {@code spend} (the caller's budget) allowed it; see {@link #slot}. */
    Mono<StoredPin> hash(byte[] pin, Mono<Void> spend) {
        return slot(spend, () -> {
            byte[] salt = Secrets.random(SALT_BYTES);
            return new StoredPin(salt, argon2(pin, salt, params), params.encode());
        });
    }

    /** Whether {@code pin} is the stored one, once {@code spend} allowed the guess; see {@link #slot}. */
    Mono<Boolean> matches(byte[] pin, StoredPin stored, Mono<Void> spend) {
        return slot(spend, () -> MessageDigest.isEqual(argon2(pin, stored.salt(), Params.decode(stored.params())),
                stored.hash()));
    }

    /**
     * Takes a slot first: with none free the call fails RESOURCE_EXHAUSTED at once and {@code spend} is never
     * subscribed, so a full queue costs nobody a budget unit or a PIN guess. The slot is held until the hash ends or
     * the caller cancels.
     */
    private <T> Mono<T> slot(Mono<Void> spend, Callable<T> work) {
        return Mono.defer(() -> {
            if (!slots.tryAcquire()) {
                return Mono.error(RetryAfter.resourceExhausted("registration lock PIN hashing is busy on this server",
                        BUSY_RETRY_MILLIS));
            }
            return spend.then(Mono.fromCallable(work).subscribeOn(scheduler)).doFinally(signal -> slots.release());
        });
    }

    private static byte[] argon2(byte[] pin, byte[] salt, Params params) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13).withSalt(salt)
                .withMemoryAsKB(params.memoryKib()).withIterations(params.iterations())
                .withParallelism(params.parallelism()).build());
        byte[] out = new byte[HASH_BYTES];
        generator.generateBytes(pin, out);
        return out;
    }
}
