package io.courier.presence;

import java.time.Clock;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;

import io.courier.account.AccountDeletionListener;
import io.courier.cluster.GridTypes;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;
import io.courier.cluster.RateLimit;
import io.courier.cluster.RateLimiter;
import io.courier.keys.KeyDirectory;
import io.courier.store.Cql;
import io.courier.store.BaselineTables;
import io.quarkus.runtime.Startup;

/** CDI wiring of presence: the block list, presence visibility, contacts and online / last-seen subscriptions. */
public class PresenceWiring {
    @Produces
    BaselineTables schema() {
        return PresenceSchema.TABLES;
    }

    @Produces
    GridTypes gridTypes() {
        return PresenceWire.types();
    }

    @Produces
    MapConfig privacyMap() {
        return PrivacyDirectory.mapConfig();
    }

    @Produces
    MapConfig contactsMap() {
        return ContactDirectory.mapConfig();
    }

    @Produces
    MapConfig onlineMap() {
        return OnlineWatch.mapConfig();
    }

    @Produces
    @Singleton
    PrivacyStore privacyStore(Cql cql) {
        return new PrivacyStore(cql);
    }

    @Produces
    @Singleton
    ContactDirectory contactDirectory(HazelcastInstance hazelcast, PrivacyStore store, KeyDirectory keys,
            PresenceConfig config) {
        return new ContactDirectory(hazelcast, store, PresenceStreams.registeredIn(keys), config.maxContacts());
    }

    @Produces
    @Singleton
    PrivacyDirectory privacyDirectory(HazelcastInstance hazelcast, PrivacyStore store, KeyDirectory keys,
            ContactDirectory contacts) {
        return new PrivacyDirectory(hazelcast, store, PresenceStreams.registeredIn(keys), contacts);
    }

    /** Built at startup: every member must listen for members leaving, to clean up their streams' records. */
    @Produces
    @Singleton
    @Startup
    OnlineWatch onlineWatch(HazelcastInstance hazelcast, NodeBus bus, PrivacyDirectory privacy, Cql cql,
            KeyDirectory keys, PresenceConfig config, Clock clock) {
        return new OnlineWatch(hazelcast, bus, privacy, new LastSeenStore(cql, config.lastSeenTtl()),
                config.lastSeenGranularity(), PresenceStreams.registeredIn(keys), clock,
                config.maxWatchersPerAccount());
    }

    @Produces
    @Singleton
    PresenceStreams presenceStreams(OnlineWatch watch, KeyDirectory keys, RateLimiter limiter, PresenceConfig config,
            PresenceDirectory presence) {
        return new PresenceStreams(watch, PresenceStreams.registeredIn(keys), limiter, config,
                presence.localMemberId());
    }

    @Produces
    @Singleton
    PrivacySettings privacySettings(PrivacyStore store, PrivacyDirectory directory, ContactDirectory contacts,
            OnlineWatch watch, KeyDirectory keys, RateLimiter limiter, PresenceConfig config) {
        return new PrivacySettings(store, directory, contacts, watch, keys, limiter, new RateLimit(
                "privacy changes by this account", config.privacyChangeBurst(), config.privacyChangeRefill()),
                config.maxBlocked(), config.maxContacts());
    }

    /** A deleted account's privacy settings, contacts and last-seen time go with it. */
    @Produces
    @Singleton
    AccountDeletionListener dropPrivacy(PrivacyStore store, PrivacyDirectory directory, ContactDirectory contacts,
            OnlineWatch watch) {
        return (account, deviceIds) -> store.forget(account).then(watch.forget(account))
                .then(directory.invalidate(account)).then(contacts.invalidate(account))
                .toFuture();
    }

    @Produces
    @Singleton
    GroupAddPermission groupAddPermission(PrivacyDirectory directory) {
        return new GroupAddPermission(directory);
    }
}
