package io.courier.keys;

import java.time.Duration;

import io.courier.cluster.RateLimit;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of the key directory. */
@ConfigMapping(prefix = "courier.keys")
public interface KeysConfig {
    /** One-time keys of each kind accepted in one upload. */
    @WithDefault("100")
    int maxOneTimeKeysPerUpload();

    /** Bundle fetches per requesting account: prekey exhaustion is an attack, so this is deliberately tight. */
    @WithDefault("60")
    int bundleFetchBurst();

    @WithDefault("1s")
    Duration bundleFetchRefill();

    /**
     * Fetches of one target account's bundles by one requesting account (each takes one one-time key of every
     * device): a client needs them to start sessions, not over and over. The defaults allow 5 + 24 = 29 a day, fewer
     * than the 30 keys the SDK keeps above its refill mark (it uploads 50 when fewer than 20 are left, checked on
     * every connect): one account can't take a device that connects daily below that mark, let alone drain it.
     */
    @WithDefault("5")
    int bundleFetchPerTargetBurst();

    @WithDefault("1h")
    Duration bundleFetchPerTargetRefill();

    /**
     * Keys one device may upload at once (an upload costs the keys it carries: each is parsed, most are signature
     * checked), then one more per {@link #uploadedKeysRefill()}. A full first upload is about 200 keys.
     */
    @WithDefault("1000")
    int uploadedKeysBurst();

    @WithDefault("10s")
    Duration uploadedKeysRefill();

    default RateLimit uploadedKeys() {
        return new RateLimit("keys uploaded by this device", uploadedKeysBurst(), uploadedKeysRefill());
    }

    default RateLimit bundleFetchesPerTarget() {
        return new RateLimit("prekey bundle fetches of this account", bundleFetchPerTargetBurst(),
                bundleFetchPerTargetRefill());
    }

    default RateLimit bundleFetches() {
        return new RateLimit("prekey bundle fetches", bundleFetchBurst(), bundleFetchRefill());
    }
}
