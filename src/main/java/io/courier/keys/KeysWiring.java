package io.courier.keys;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.datastax.oss.driver.api.core.CqlSession;

import io.courier.cluster.RateLimiter;
import io.courier.store.Migration;

/** CDI wiring of the key directory. */
public class KeysWiring {
    @Produces
    Migration schema() {
        return KeysSchema.V2;
    }

    @Produces
    @Singleton
    KeyDirectory directory(CqlSession session, RateLimiter limiter, KeysConfig config) {
        return new KeyDirectory(new DeviceKeyStore(session), new OneTimeKeyStore(session), limiter, config);
    }
}
