package io.courier.edge;

import java.time.Duration;
import java.util.Optional;

import io.courier.cluster.RateLimit;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The operator surface (AdminService). */
@ConfigMapping(prefix = "courier.admin")
public interface AdminConfig {
    /** Bearer token operators send; at least 32 characters; absent turns AdminService off. Never logged. */
    Optional<String> token();

    /** AdminService calls one client address may make in a burst, right token or wrong, then one per refill. */
    @WithDefault("30")
    int callsPerPeerBurst();

    @WithDefault("2s")
    Duration callsPerPeerRefill();

    default RateLimit callsPerPeer() {
        return new RateLimit("AdminService calls from this address", callsPerPeerBurst(), callsPerPeerRefill());
    }
}
