package io.courier.client;

import java.util.UUID;
import java.util.function.Supplier;

import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.fingerprint.NumericFingerprintGenerator;

import reactor.core.publisher.Mono;

/** Safety numbers with contacts, and the user's verdicts on them (see {@link IdentityTrust}). */
final class SafetyNumbers {
    private final ClientStore store;
    private final Calls calls;
    private final Sessions sessions;
    private final Supplier<Credentials> credentials;

    SafetyNumbers(ClientStore store, Calls calls, Sessions sessions, Supplier<Credentials> credentials) {
        this.store = store;
        this.calls = calls;
        this.sessions = sessions;
        this.credentials = credentials;
    }

    /**
     * Of this account and {@code contact}, from the contact's key this device knows; a contact never talked to is
     * learnt by starting sessions with its devices (which the first message would do anyway).
     */
    Mono<SafetyNumber> of(UUID contact) {
        return calls.call(() -> {
            Credentials me = credentials.get();
            if (me.accountId().equals(contact)) {
                throw new IllegalArgumentException("a safety number is between this account and another one");
            }
            if (store.trust().key(contact).isEmpty()) {
                sessions.startSessions(contact);
            }
            IdentityKey theirs = store.trust().key(contact).orElseThrow(() -> new IllegalStateException(
                    "no identity key of " + contact + " is known"));
            IdentityKey ours = store.getIdentityKeyPair().getPublicKey();
            return new SafetyNumber(contact, theirs, new NumericFingerprintGenerator(SafetyNumber.ITERATIONS)
                    .createFor(SafetyNumber.VERSION, WireIds.bytes(me.accountId()).toByteArray(), ours,
                            WireIds.bytes(contact).toByteArray(), theirs));
        });
    }

    /** The user compared {@code number} with the contact's: its key is verified (if it is still the contact's). */
    void verify(SafetyNumber number) {
        store.trust().verify(number.contact(), number.contactKey());
    }

    /** The user accepts a verified contact's changed key: sending works again, the contact is unverified. */
    void approve(UUID contact) {
        store.trust().approve(contact);
    }

    TrustLevel trust(UUID contact) {
        return store.trust().level(contact).orElseThrow(() -> new IllegalStateException(
                "no identity key of " + contact + " is known yet"));
    }
}
