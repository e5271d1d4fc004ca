package io.courier.keys;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.kem.KEMPublicKey;

import io.courier.api.v1.PreKey;
import io.courier.api.v1.SignedPreKey;
import io.courier.api.v1.UploadKeysRequest;
import io.courier.common.Rejections;

/** Parses an upload with libsignal and checks every signature; any failure is INVALID_ARGUMENT naming the field. */
final class KeyValidation {
    /** libsignal registration ids are 14 bits; 0 means "unchanged" on a later upload. */
    static final int MAX_REGISTRATION_ID = 0x3FFF;
    /** Signal prekey ids are 24 bits (libsignal's Medium.MAX_VALUE); 0 is never a valid id. */
    static final int MAX_KEY_ID = 0xFFFFFF;

    private final int maxOneTimeKeys;

    KeyValidation(int maxOneTimeKeys) {
        this.maxOneTimeKeys = maxOneTimeKeys;
    }

    Optional<IdentityKey> identityKey(UploadKeysRequest request) {
        if (request.getIdentityKey().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new IdentityKey(request.getIdentityKey().toByteArray()));
        } catch (InvalidKeyException | RuntimeException e) {
            throw Rejections.invalidArgument("identity_key is not a valid libsignal identity key");
        }
    }

    /**
     * @param identity the identity the signatures must verify against: the account's (the primary's), which a
     *     primary's first upload brings along
     */
    UploadedKeys validate(UploadKeysRequest request, IdentityKey identity) {
        checkRanges(request);
        Optional<PublicPreKey> signed = request.hasSignedPreKey()
                ? Optional.of(signedEc(request.getSignedPreKey(), identity, "signed_pre_key"))
                : Optional.empty();
        Optional<PublicPreKey> lastResort = request.hasKyberLastResortPreKey()
                ? Optional.of(signedKyber(request.getKyberLastResortPreKey(), identity, "kyber_last_resort_pre_key"))
                : Optional.empty();
        List<PublicPreKey> oneTime = request.getOneTimePreKeysList().stream().map(this::oneTimeEc).toList();
        List<PublicPreKey> kyber = request.getKyberPreKeysList().stream()
                .map(k -> signedKyber(k, identity, "kyber_pre_keys")).toList();
        checkUniqueIds(oneTime, "one_time_pre_keys");
        checkUniqueIds(kyber, "kyber_pre_keys");
        return new UploadedKeys(request.getIdentityKey().isEmpty() ? Optional.empty()
                : Optional.of(request.getIdentityKey().toByteArray()), request.getRegistrationId(), signed,
                oneTime, kyber, lastResort);
    }

    private PublicPreKey oneTimeEc(PreKey key) {
        try {
            ECPublicKey parsed = new ECPublicKey(key.getPublicKey().toByteArray());
            return PublicPreKey.unsigned(key.getKeyId(), parsed.serialize());
        } catch (InvalidKeyException | RuntimeException e) {
            throw Rejections.invalidArgument("one_time_pre_keys: key " + key.getKeyId()
                    + " is not a valid EC public key");
        }
    }

    private static PublicPreKey signedEc(SignedPreKey key, IdentityKey identity, String field) {
        ECPublicKey parsed;
        try {
            parsed = new ECPublicKey(key.getPublicKey().toByteArray());
        } catch (InvalidKeyException | RuntimeException e) {
            throw Rejections.invalidArgument(field + ": key " + key.getKeyId() + " is not a valid EC public key");
        }
        return verified(key, parsed.serialize(), identity, field);
    }

    private static PublicPreKey signedKyber(SignedPreKey key, IdentityKey identity, String field) {
        KEMPublicKey parsed;
        try {
            parsed = new KEMPublicKey(key.getPublicKey().toByteArray());
        } catch (InvalidKeyException | RuntimeException e) {
            throw Rejections.invalidArgument(field + ": key " + key.getKeyId() + " is not a valid Kyber public key");
        }
        return verified(key, parsed.serialize(), identity, field);
    }

    private static PublicPreKey verified(SignedPreKey key, byte[] serialized, IdentityKey identity, String field) {
        byte[] signature = key.getSignature().toByteArray();
        if (signature.length == 0 || !identity.getPublicKey().verifySignature(serialized, signature)) {
            throw Rejections.invalidArgument(field + ": the signature of key " + key.getKeyId()
                    + " does not verify against the account's identity key");
        }
        return new PublicPreKey(key.getKeyId(), serialized, signature);
    }

    /**
     * Numbers and counts, before any key is parsed or any signature checked: an oversized upload costs no CPU.
     * uint32 fields arrive as Java ints, so values of 2^31 and more are negative here.
     */
    void checkRanges(UploadKeysRequest request) {
        int registrationId = request.getRegistrationId();
        if (registrationId < 0 || registrationId > MAX_REGISTRATION_ID) {
            throw Rejections.invalidArgument("registration_id must be between 1 and " + MAX_REGISTRATION_ID
                    + " (or 0 to keep the stored one), got " + Integer.toUnsignedString(registrationId));
        }
        checkCount(request.getOneTimePreKeysCount(), "one_time_pre_keys");
        checkCount(request.getKyberPreKeysCount(), "kyber_pre_keys");
        if (request.hasSignedPreKey()) {
            checkKeyId(request.getSignedPreKey().getKeyId(), "signed_pre_key");
        }
        if (request.hasKyberLastResortPreKey()) {
            checkKeyId(request.getKyberLastResortPreKey().getKeyId(), "kyber_last_resort_pre_key");
        }
        request.getOneTimePreKeysList().forEach(k -> checkKeyId(k.getKeyId(), "one_time_pre_keys"));
        request.getKyberPreKeysList().forEach(k -> checkKeyId(k.getKeyId(), "kyber_pre_keys"));
    }

    private void checkCount(int count, String field) {
        if (count > maxOneTimeKeys) {
            throw Rejections.invalidArgument(field + ": at most " + maxOneTimeKeys + " keys per upload, got " + count);
        }
    }

    private static void checkKeyId(int keyId, String field) {
        if (keyId < 1 || keyId > MAX_KEY_ID) {
            throw Rejections.invalidArgument(field + ": key ids must be between 1 and " + MAX_KEY_ID + ", got "
                    + Integer.toUnsignedString(keyId));
        }
    }

    private static void checkUniqueIds(List<PublicPreKey> keys, String field) {
        Set<Integer> ids = new HashSet<>();
        for (PublicPreKey key : keys) {
            if (!ids.add(key.keyId())) {
                throw Rejections.invalidArgument(field + ": key id " + key.keyId() + " appears twice");
            }
        }
    }
}
