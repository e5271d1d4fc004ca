package io.courier.client;

import java.util.Base64;

import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.ProvisionMessage;

/**
 * The account's identity key pair on its way from the primary to a device being linked, as account.proto describes:
 * a {@link ProvisionMessage} sealed (libsignal's HPKE) to the new device's ephemeral link key. The server relays it
 * unread.
 */
final class Provisioning {
    private static final String INFO = "Courier provisioning v1";
    private static final byte[] NO_ASSOCIATED_DATA = new byte[0];

    private Provisioning() {
    }

    /** The link key's public half as the new device shows it (URL-safe base64 of its 33 bytes). */
    static String encodeLinkKey(ECPublicKey key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.serialize());
    }

    /** On the primary: the identity sealed to the link key the new device showed. */
    static byte[] seal(IdentityKeyPair identity, String linkKey) {
        ECPublicKey to;
        try {
            to = new ECPublicKey(Base64.getUrlDecoder().decode(linkKey.trim()));
        } catch (InvalidKeyException | IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + linkKey + "' is not a link key (the new device shows one)", e);
        }
        byte[] message = ProvisionMessage.newBuilder()
                .setIdentityPublicKey(ByteString.copyFrom(identity.getPublicKey().serialize()))
                .setIdentityPrivateKey(ByteString.copyFrom(identity.getPrivateKey().serialize()))
                .build().toByteArray();
        return to.seal(message, INFO, NO_ASSOCIATED_DATA);
    }

    /** On the new device: the account's identity, opened with the link key's private half. */
    static IdentityKeyPair open(byte[] sealed, ECPrivateKey linkKey) {
        if (sealed.length == 0) {
            throw new IllegalStateException("the primary sent no identity with the link code; create the code with"
                    + " this device's link key");
        }
        try {
            ProvisionMessage message = ProvisionMessage.parseFrom(linkKey.open(sealed, INFO, NO_ASSOCIATED_DATA));
            IdentityKey publicKey = new IdentityKey(message.getIdentityPublicKey().toByteArray());
            ECPrivateKey privateKey = new ECPrivateKey(message.getIdentityPrivateKey().toByteArray());
            if (!privateKey.publicKey().equals(publicKey.getPublicKey())) {
                throw new IllegalStateException("the provisioned identity's halves do not match");
            }
            return new IdentityKeyPair(publicKey, privateKey);
        } catch (InvalidMessageException | InvalidProtocolBufferException | InvalidKeyException e) {
            throw new IllegalStateException("the link code's identity was not sealed to this device's link key", e);
        }
    }
}
