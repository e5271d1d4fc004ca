package io.courier.keys;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.datastax.oss.driver.api.core.CqlSession;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;

import io.courier.account.CurrentDevices;
import io.courier.cluster.RateLimiter;
import io.courier.store.BaselineTables;
import io.quarkus.runtime.Startup;

/** CDI wiring of the key directory. */
public class KeysWiring {
    @Produces
    BaselineTables schema() {
        return KeysSchema.TABLES;
    }

    /** The near-cached registrations map, added to the Hazelcast member's configuration. */
    @Produces
    MapConfig registrationsMap() {
        return RegistrationCache.mapConfig();
    }

    /** Built at startup: preparing its statements must not happen on a transport thread at the first call. */
    @Produces
    @Singleton
    @Startup
    KeyDirectory directory(CqlSession session, HazelcastInstance hazelcast, RateLimiter limiter, KeysConfig config,
            CurrentDevices current) {
        return new KeyDirectory(new DeviceKeyStore(session), new OneTimeKeyStore(session), hazelcast, limiter,
                config, current);
    }
}
