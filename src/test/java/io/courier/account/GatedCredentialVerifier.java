package io.courier.account;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import io.courier.common.AuthenticatedDevice;
import io.courier.common.CredentialVerifier;

/**
 * The real credential check, with a gate tests can close for the next check of one token: it completes only when
 * the test opens the gate, so "a slow credential lookup" is a deterministic step, not a timing accident.
 */
@Alternative
@Priority(1)
@Singleton
public class GatedCredentialVerifier implements CredentialVerifier {
    private final DeviceAuthenticator real;
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();
    private final Map<String, Gate> gatesAfterCheck = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> checks = new ConcurrentHashMap<>();

    /** {@code reached} completes when the held check starts; the check goes on once {@code open} completes. */
    public record Gate(CompletableFuture<Void> reached, CompletableFuture<Void> open) {
    }

    GatedCredentialVerifier(DeviceStore devices, Clock clock, AccountConfig config) {
        this.real = new DeviceAuthenticator(devices, clock, config.lastSeenRefresh());
    }

    /** Holds the next check of {@code token} until the returned gate completes. */
    public Gate holdNext(String token) {
        Gate gate = new Gate(new CompletableFuture<>(), new CompletableFuture<>());
        gates.put(token, gate);
        return gate;
    }

    /**
     * Lets the next check of {@code token} pass, then holds the call until the gate opens: the call acts with rights
     * that were checked before whatever the test does meanwhile (a revocation, a new registration).
     */
    public Gate holdNextAfterCheck(String token) {
        Gate gate = new Gate(new CompletableFuture<>(), new CompletableFuture<>());
        gatesAfterCheck.put(token, gate);
        return gate;
    }

    /** How many times {@code token} reached the real check (a database read for a well-formed token). */
    public int checks(String token) {
        AtomicInteger count = checks.get(token);
        return count == null ? 0 : count.get();
    }

    @Override
    public CompletionStage<AuthenticatedDevice> verify(String token) {
        checks.computeIfAbsent(token, t -> new AtomicInteger()).incrementAndGet();
        Gate after = gatesAfterCheck.remove(token);
        if (after != null) {
            return real.verify(token).thenCompose(device -> {
                after.reached().complete(null);
                return after.open().thenApply(open -> device);
            });
        }
        Gate gate = gates.remove(token);
        if (gate == null) {
            return real.verify(token);
        }
        gate.reached().complete(null);
        return gate.open().thenCompose(open -> real.verify(token));
    }
}
