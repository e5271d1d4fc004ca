package io.courier.client;

import java.util.Optional;
import java.util.UUID;

import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.state.IdentityKeyStore.Direction;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Trust in contacts' identity keys, one per account (all its devices present the account's key), kept in the
 * {@link ClientStore}: trust on first use; a changed key of an unverified contact is accepted and announced; a changed
 * key of a verified contact is announced and blocks sending to it until the user approves it. Receiving is never
 * blocked (what arrives is shown; the user decides whether to answer). This account's own devices must present its
 * own identity key: any other key is refused both ways.
 */
final class IdentityTrust {
    private static final String PREFIX = "trust/";

    /** The trusted (or, while blocked, the changed) key of a contact and the level. */
    private record Entry(TrustLevel level, IdentityKey key) {
        byte[] serialize() {
            byte[] key = this.key.serialize();
            byte[] raw = new byte[1 + key.length];
            raw[0] = (byte) level.ordinal();
            System.arraycopy(key, 0, raw, 1, key.length);
            return raw;
        }

        static Entry parse(byte[] raw) {
            try {
                return new Entry(TrustLevel.values()[raw[0]], new IdentityKey(raw, 1));
            } catch (InvalidKeyException | RuntimeException e) {
                throw new IllegalStateException("stored identity trust is corrupt", e);
            }
        }
    }

    private final ClientStore store;
    private final Sinks.Many<IdentityChange> changes = Sinks.many().multicast().directBestEffort();

    IdentityTrust(ClientStore store) {
        this.store = store;
    }

    /** Changes as they are found, on the thread that found them (a send, a decryption); not replayed. */
    Flux<IdentityChange> changes() {
        return changes.asFlux();
    }

    /** libsignal asks before it uses {@code key} for a session with {@code address}. */
    boolean isTrusted(SignalProtocolAddress address, IdentityKey key, Direction direction) {
        synchronized (store) {
            UUID account = UUID.fromString(address.getName());
            if (isOwn(account)) {
                return key.equals(store.getIdentityKeyPair().getPublicKey());
            }
            Optional<Entry> entry = entry(account);
            if (entry.isEmpty() || entry.get().key().equals(key)) {
                return direction == Direction.RECEIVING
                        || entry.map(e -> e.level() != TrustLevel.CHANGED_SINCE_VERIFIED).orElse(true);
            }
            if (entry.get().level() == TrustLevel.UNVERIFIED) {
                return true; // libsignal saves it next: saved() records and announces the change
            }
            put(account, new Entry(TrustLevel.CHANGED_SINCE_VERIFIED, key));
            changes.tryEmitNext(new IdentityChange(account, true));
            return direction == Direction.RECEIVING;
        }
    }

    /** libsignal stored {@code key}, which it was allowed to use, for {@code address}. */
    void saved(SignalProtocolAddress address, IdentityKey key) {
        synchronized (store) {
            UUID account = UUID.fromString(address.getName());
            if (isOwn(account)) {
                return;
            }
            Optional<Entry> entry = entry(account);
            if (entry.isEmpty()) {
                put(account, new Entry(TrustLevel.UNVERIFIED, key));
            } else if (entry.get().level() == TrustLevel.UNVERIFIED && !entry.get().key().equals(key)) {
                put(account, new Entry(TrustLevel.UNVERIFIED, key));
                changes.tryEmitNext(new IdentityChange(account, false));
            }
        }
    }

    Optional<TrustLevel> level(UUID account) {
        return entry(account).map(Entry::level);
    }

    /** The contact's identity key as this device knows it (the changed one while blocked). */
    Optional<IdentityKey> key(UUID account) {
        return entry(account).map(Entry::key);
    }

    /** Marks {@code key} verified, if it is still the contact's key this device knows. */
    void verify(UUID account, IdentityKey key) {
        synchronized (store) {
            if (!key(account).map(key::equals).orElse(false)) {
                throw new IllegalStateException("the identity key of " + account
                        + " changed since this safety number was computed; compare the new one");
            }
            put(account, new Entry(TrustLevel.VERIFIED, key));
        }
    }

    /** Accepts a verified contact's changed key (unverified from now on); nothing else changes. */
    void approve(UUID account) {
        synchronized (store) {
            entry(account).filter(e -> e.level() == TrustLevel.CHANGED_SINCE_VERIFIED)
                    .ifPresent(e -> put(account, new Entry(TrustLevel.UNVERIFIED, e.key())));
        }
    }

    /** Fails with {@link IdentityChangedException} while sending to {@code account} is blocked. */
    void checkSendable(UUID account) {
        if (level(account).filter(l -> l == TrustLevel.CHANGED_SINCE_VERIFIED).isPresent()) {
            throw new IdentityChangedException(account);
        }
    }

    private boolean isOwn(UUID account) {
        return store.credentials().map(c -> c.accountId().equals(account)).orElse(false);
    }

    private Optional<Entry> entry(UUID account) {
        return Optional.ofNullable(store.get(PREFIX + account)).map(Entry::parse);
    }

    private void put(UUID account, Entry entry) {
        store.put(PREFIX + account, entry.serialize());
    }
}
