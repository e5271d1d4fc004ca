package io.courier.keys;

import java.util.List;
import java.util.Optional;

/** A validated upload: every signature checked against the account's identity key. */
record UploadedKeys(Optional<byte[]> identityKey, int registrationId, Optional<PublicPreKey> signedPreKey,
        List<PublicPreKey> oneTimePreKeys, List<PublicPreKey> kyberPreKeys, Optional<PublicPreKey> kyberLastResort) {
}
