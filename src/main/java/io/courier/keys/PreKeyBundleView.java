package io.courier.keys;

import java.util.Optional;

/** What a fetcher gets for one device; the one-time keys in it are already claimed. */
record PreKeyBundleView(DeviceKeys device, Optional<PublicPreKey> oneTimePreKey, PublicPreKey kyberPreKey,
        boolean kyberLastResort) {
}
