package io.courier.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;

import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.groups.state.SenderKeyRecord;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SessionRecord;
import org.signal.libsignal.protocol.state.SignalProtocolStore;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;

/**
 * Everything a device keeps: its identity and prekeys (private halves), sessions, the identities of peers and the
 * trust in them ({@link IdentityTrust}), its credentials, the server ids it has already handed to the app and the
 * decrypted messages the app has not handled yet.
 * Backed by a {@link StateStorage} that gets a snapshot after every change (or after every {@link #atomically} block).
 */
public final class ClientStore implements SignalProtocolStore {
    private static final int REMEMBERED_SERVER_IDS = 2048;
    private static final String UNHANDLED = "unhandled/";

    private final StateStorage storage;
    private final SortedMap<String, byte[]> state;
    private final RecentIds seen;
    private final IdentityTrust trust = new IdentityTrust(this);
    private int atomicDepth;
    private boolean unsaved;

    public ClientStore(StateStorage storage) {
        this.storage = storage;
        this.state = storage.load();
        this.seen = new RecentIds(REMEMBERED_SERVER_IDS, state.get("meta/seen"));
        if (!state.containsKey("meta/identity")) {
            state.put("meta/identity", IdentityKeyPair.generate().serialize());
            state.put("meta/registration-id", intBytes(new SecureRandom().nextInt(16380) + 1));
            save();
        }
    }

    public static ClientStore inMemory() {
        return new ClientStore(new InMemoryStorage());
    }

    public static ClientStore file(java.nio.file.Path path) {
        return new ClientStore(new FileStorage(path));
    }

    // --- Courier state ---

    public synchronized Optional<Credentials> credentials() {
        byte[] raw = state.get("meta/credentials");
        if (raw == null) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(raw);
        UUID account = new UUID(buffer.getLong(), buffer.getLong());
        int device = buffer.getInt();
        byte[] token = new byte[buffer.remaining()];
        buffer.get(token);
        return Optional.of(new Credentials(account, device, new String(token, StandardCharsets.US_ASCII)));
    }

    synchronized void saveCredentials(Credentials credentials) {
        byte[] token = credentials.authToken().getBytes(StandardCharsets.US_ASCII);
        state.put("meta/credentials", ByteBuffer.allocate(20 + token.length)
                .putLong(credentials.accountId().getMostSignificantBits())
                .putLong(credentials.accountId().getLeastSignificantBits())
                .putInt(credentials.deviceId()).put(token).array());
        save();
    }

    /** Allocates {@code count} consecutive prekey ids. */
    synchronized int allocateKeyIds(int count) {
        byte[] raw = state.get("meta/next-key-id");
        int next = raw == null ? 1 : ByteBuffer.wrap(raw).getInt();
        state.put("meta/next-key-id", intBytes(next + count));
        save();
        return next;
    }

    /**
     * Whether a message was already handed to the app: by its server id (a redelivery), or by its origin, the
     * sending device's client message id (a copy stored again under a new server id after a node failed mid-send).
     */
    synchronized boolean hasSeen(long serverId, long origin) {
        return seen.contains(serverId) || seen.contains(origin);
    }

    /** Records a message as handed to the app. */
    synchronized void markSeen(long serverId, long origin) {
        seen.add(origin);
        seen.add(serverId);
        put("meta/seen", seen.serialize());
    }

    /** Keeps a decrypted message until the app has handled it. */
    synchronized void keepUnhandled(UnhandledMessage message) {
        put(UNHANDLED + message.serverId(), message.serialize());
    }

    /** The decrypted messages the app has not handled yet, in server-id order. */
    synchronized List<UnhandledMessage> unhandled() {
        return values(UNHANDLED).stream().map(UnhandledMessage::parse)
                .sorted(Comparator.comparingLong(UnhandledMessage::serverId)).toList();
    }

    /** The app has the message: it is no longer kept, and a redelivery of it counts as seen. */
    synchronized void handled(UnhandledMessage message) {
        state.remove(UNHANDLED + message.serverId());
        markSeen(message.serverId(), message.origin());
    }

    /**
     * Runs {@code work} holding the store and saves everything it changed as one snapshot at the end: on disk the
     * changes happen together or not at all (a session advanced by a decryption and the plaintext it gave).
     */
    synchronized <T> T atomically(Callable<T> work) throws Exception {
        atomicDepth++;
        try {
            return work.call();
        } finally {
            atomicDepth--;
            if (atomicDepth == 0 && unsaved) {
                save();
            }
        }
    }

    /** A 64-bit digest of (sender account, sender device, client message id). */
    static long origin(UUID sender, int senderDevice, long clientMessageId) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(ByteBuffer.allocate(28).putLong(sender.getMostSignificantBits())
                    .putLong(sender.getLeastSignificantBits()).putInt(senderDevice).putLong(clientMessageId).array());
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Devices of {@code name} (an account id) this device has sessions with. */
    synchronized List<Integer> sessionDevices(String name) {
        List<Integer> devices = new ArrayList<>();
        String prefix = "session/" + name + ".";
        for (String key : state.subMap(prefix, prefix + Character.MAX_VALUE).keySet()) {
            devices.add(Integer.parseInt(key.substring(prefix.length())));
        }
        return devices;
    }

    synchronized void markLastResort(int kyberKeyId) {
        state.put("kyber-last-resort/" + kyberKeyId, new byte[0]);
        save();
    }

    // --- IdentityKeyStore ---

    @Override
    public synchronized IdentityKeyPair getIdentityKeyPair() {
        try {
            return new IdentityKeyPair(state.get("meta/identity"));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("stored identity key is corrupt", e);
        }
    }

    @Override
    public synchronized int getLocalRegistrationId() {
        return ByteBuffer.wrap(state.get("meta/registration-id")).getInt();
    }

    @Override
    public synchronized IdentityChange saveIdentity(SignalProtocolAddress address, IdentityKey identityKey) {
        byte[] previous = state.put("identity/" + address, identityKey.serialize());
        save();
        trust.saved(address, identityKey);
        return previous == null || java.util.Arrays.equals(previous, identityKey.serialize())
                ? IdentityChange.NEW_OR_UNCHANGED : IdentityChange.REPLACED_EXISTING;
    }

    /** See {@link IdentityTrust}: trust on first use, and a verified contact's changed key blocks sending. */
    @Override
    public synchronized boolean isTrustedIdentity(SignalProtocolAddress address, IdentityKey identityKey,
            Direction direction) {
        return trust.isTrusted(address, identityKey, direction);
    }

    IdentityTrust trust() {
        return trust;
    }

    /**
     * This device's ephemeral key for being linked, made on first use and kept until the link completes: its public
     * half goes to the primary, which seals the account's identity key pair to it.
     */
    synchronized ECKeyPair linkKey() {
        try {
            byte[] raw = state.get("meta/link-key");
            ECPrivateKey key = raw == null ? ECPrivateKey.generate() : new ECPrivateKey(raw);
            if (raw == null) {
                put("meta/link-key", key.serialize());
            }
            return new ECKeyPair(key.publicKey(), key);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("stored link key is corrupt", e);
        }
    }

    /**
     * Takes the account's identity key pair, handed over by the primary while linking, in place of the one this
     * store made: only before this device has credentials, so no key it uploaded or session it built used the old one.
     */
    synchronized void adoptIdentity(IdentityKeyPair identity) {
        if (state.containsKey("meta/credentials")) {
            throw new IllegalStateException("this device is registered or linked already; its identity is fixed");
        }
        state.put("meta/identity", identity.serialize());
        state.remove("meta/link-key");
        save();
    }

    @Override
    public synchronized IdentityKey getIdentity(SignalProtocolAddress address) {
        byte[] raw = state.get("identity/" + address);
        try {
            return raw == null ? null : new IdentityKey(raw);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("stored identity of " + address + " is corrupt", e);
        }
    }

    // --- PreKeyStore ---

    @Override
    public synchronized PreKeyRecord loadPreKey(int preKeyId) throws InvalidKeyIdException {
        return loadRecord("prekey/" + preKeyId, PreKeyRecord::new);
    }

    @Override
    public synchronized void storePreKey(int preKeyId, PreKeyRecord record) {
        put("prekey/" + preKeyId, record.serialize());
    }

    @Override
    public synchronized boolean containsPreKey(int preKeyId) {
        return state.containsKey("prekey/" + preKeyId);
    }

    @Override
    public synchronized void removePreKey(int preKeyId) {
        remove("prekey/" + preKeyId);
    }

    // --- SignedPreKeyStore ---

    @Override
    public synchronized SignedPreKeyRecord loadSignedPreKey(int signedPreKeyId) throws InvalidKeyIdException {
        return loadRecord("signed/" + signedPreKeyId, SignedPreKeyRecord::new);
    }

    @Override
    public synchronized List<SignedPreKeyRecord> loadSignedPreKeys() {
        return loadRecords("signed/", SignedPreKeyRecord::new);
    }

    @Override
    public synchronized void storeSignedPreKey(int signedPreKeyId, SignedPreKeyRecord record) {
        put("signed/" + signedPreKeyId, record.serialize());
    }

    @Override
    public synchronized boolean containsSignedPreKey(int signedPreKeyId) {
        return state.containsKey("signed/" + signedPreKeyId);
    }

    @Override
    public synchronized void removeSignedPreKey(int signedPreKeyId) {
        remove("signed/" + signedPreKeyId);
    }

    // --- KyberPreKeyStore ---

    @Override
    public synchronized KyberPreKeyRecord loadKyberPreKey(int kyberPreKeyId) throws InvalidKeyIdException {
        return loadRecord("kyber/" + kyberPreKeyId, KyberPreKeyRecord::new);
    }

    @Override
    public synchronized List<KyberPreKeyRecord> loadKyberPreKeys() {
        return loadRecords("kyber/", KyberPreKeyRecord::new);
    }

    @Override
    public synchronized void storeKyberPreKey(int kyberPreKeyId, KyberPreKeyRecord record) {
        put("kyber/" + kyberPreKeyId, record.serialize());
    }

    @Override
    public synchronized boolean containsKyberPreKey(int kyberPreKeyId) {
        return state.containsKey("kyber/" + kyberPreKeyId);
    }

    /** One-time Kyber keys are single use; the last-resort key stays. */
    @Override
    public synchronized void markKyberPreKeyUsed(int kyberPreKeyId, int signedPreKeyId, ECPublicKey baseKey) {
        if (!state.containsKey("kyber-last-resort/" + kyberPreKeyId)) {
            remove("kyber/" + kyberPreKeyId);
        }
    }

    // --- SessionStore ---

    @Override
    public synchronized SessionRecord loadSession(SignalProtocolAddress address) {
        byte[] raw = state.get("session/" + address);
        try {
            return raw == null ? new SessionRecord() : new SessionRecord(raw);
        } catch (InvalidMessageException e) {
            throw new IllegalStateException("stored session with " + address + " is corrupt", e);
        }
    }

    @Override
    public synchronized List<SessionRecord> loadExistingSessions(List<SignalProtocolAddress> addresses)
            throws NoSessionException {
        List<SessionRecord> records = new ArrayList<>();
        for (SignalProtocolAddress address : addresses) {
            if (!containsSession(address)) {
                throw new NoSessionException("no session with " + address);
            }
            records.add(loadSession(address));
        }
        return records;
    }

    @Override
    public synchronized List<Integer> getSubDeviceSessions(String name) {
        return sessionDevices(name).stream().filter(d -> d != 1).toList();
    }

    @Override
    public synchronized void storeSession(SignalProtocolAddress address, SessionRecord record) {
        put("session/" + address, record.serialize());
    }

    @Override
    public synchronized boolean containsSession(SignalProtocolAddress address) {
        return state.containsKey("session/" + address);
    }

    @Override
    public synchronized void deleteSession(SignalProtocolAddress address) {
        remove("session/" + address);
    }

    @Override
    public synchronized void deleteAllSessions(String name) {
        sessionDevices(name).forEach(d -> state.remove("session/" + name + "." + d));
        save();
    }

    // --- SenderKeyStore (group messaging) ---

    @Override
    public synchronized void storeSenderKey(SignalProtocolAddress sender, UUID distributionId, SenderKeyRecord record) {
        put("senderkey/" + sender + "/" + distributionId, record.serialize());
    }

    @Override
    public synchronized SenderKeyRecord loadSenderKey(SignalProtocolAddress sender, UUID distributionId) {
        byte[] raw = state.get("senderkey/" + sender + "/" + distributionId);
        try {
            return raw == null ? null : new SenderKeyRecord(raw);
        } catch (InvalidMessageException e) {
            throw new IllegalStateException("stored sender key is corrupt", e);
        }
    }

    // --- raw entries, for the group state kept beside the Signal state ---

    synchronized byte[] get(String key) {
        return state.get(key);
    }

    /** The entries whose keys start with {@code prefix}, in key order (a copy). */
    synchronized SortedMap<String, byte[]> entries(String prefix) {
        return new TreeMap<>(state.subMap(prefix, prefix + Character.MAX_VALUE));
    }

    synchronized void put(String key, byte[] value) {
        state.put(key, value);
        save();
    }

    synchronized void remove(String key) {
        if (state.remove(key) != null) {
            save();
        }
    }

    // --- plumbing ---

    /** libsignal's record constructors: bytes in, record out, InvalidMessageException on garbage. */
    @FunctionalInterface
    private interface RecordParser<T> {
        T parse(byte[] raw) throws InvalidMessageException;
    }

    private <T> T loadRecord(String key, RecordParser<T> parser) throws InvalidKeyIdException {
        try {
            return parser.parse(require(key));
        } catch (InvalidMessageException e) {
            throw new InvalidKeyIdException(e);
        }
    }

    private <T> List<T> loadRecords(String prefix, RecordParser<T> parser) {
        List<T> records = new ArrayList<>();
        for (byte[] raw : values(prefix)) {
            try {
                records.add(parser.parse(raw));
            } catch (InvalidMessageException e) {
                throw new IllegalStateException("a stored " + prefix + " record is corrupt", e);
            }
        }
        return records;
    }

    private byte[] require(String key) throws InvalidKeyIdException {
        byte[] raw = state.get(key);
        if (raw == null) {
            throw new InvalidKeyIdException("no " + key);
        }
        return raw;
    }

    private Collection<byte[]> values(String prefix) {
        return state.subMap(prefix, prefix + Character.MAX_VALUE).values();
    }

    private void save() {
        if (atomicDepth > 0) {
            unsaved = true;
            return;
        }
        unsaved = false;
        storage.save(new TreeMap<>(state));
    }

    private static byte[] intBytes(int value) {
        return ByteBuffer.allocate(Integer.BYTES).putInt(value).array();
    }
}
