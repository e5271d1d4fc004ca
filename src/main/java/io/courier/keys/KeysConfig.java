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
     * Fetches of one target account's bundles by one requesting account: a client needs them to start sessions,
     * not over and over, so one account can't drain another's one-time keys.
     */
    @WithDefault("10")
    int bundleFetchPerTargetBurst();

    @WithDefault("1m")
    Duration bundleFetchPerTargetRefill();

    default RateLimit bundleFetchesPerTarget() {
        return new RateLimit("prekey bundle fetches of this account", bundleFetchPerTargetBurst(),
                bundleFetchPerTargetRefill());
    }

    default RateLimit bundleFetches() {
        return new RateLimit("prekey bundle fetches", bundleFetchBurst(), bundleFetchRefill());
    }
}
