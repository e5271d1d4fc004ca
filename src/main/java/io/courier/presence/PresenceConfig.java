package io.courier.presence;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Online / last seen subscriptions, the block list, presence visibility and contacts. */
@ConfigMapping(prefix = "courier.presence")
public interface PresenceConfig {
    /** Accounts one stream may subscribe to at once. */
    @WithDefault("256")
    int maxSubscriptions();

    /**
     * Subscribed ids per account in a burst, cluster-wide: a PresenceSubscribe costs every id it names (each is
     * looked up; at least 1), so four full sets at once, e.g. after reconnects.
     */
    @WithDefault("1024")
    int subscribedIdsBurst();

    /** One more subscribed id every this (the default: 10 a second, a full set of 256 every 26 s). */
    @WithDefault("100ms")
    Duration subscribedIdsRefill();

    /**
     * Subscribed ids being looked up at once on this node, over all its streams (at least
     * {@code max-subscriptions}); a PresenceSubscribe that doesn't fit is refused with RATE_LIMITED. Bounds what
     * many accounts' budgets together can queue on one node (each random id is a database read).
     */
    @WithDefault("1024")
    int lookupsInFlight();

    /**
     * Subscribed ids this node looks up in a burst, over all its streams (at least {@code max-subscriptions}); then
     * one more every {@link #nodeLookupsRefill()}. A PresenceSubscribe beyond it is refused with RATE_LIMITED and a
     * retry hint. The in-flight cap bounds what waits; this bounds the cores lookups take, which many accounts'
     * budgets together (a SIM farm's) would otherwise set.
     */
    @WithDefault("1024")
    int nodeLookupsBurst();

    /**
     * One more id this node may look up every this (the default: 200 a second, sized for the chart's 1–2 cores, where
     * the node and its database share them; see docs/security.md). Scale it with the node's cores.
     */
    @WithDefault("5ms")
    Duration nodeLookupsRefill();

    /** Device streams watching one account at most; more subscribers get its state once but no live changes. */
    @WithDefault("4096")
    int maxWatchersPerAccount();

    /** How long an account's last-seen time is kept after its last device went offline (then: nothing to show). */
    @WithDefault("7d")
    Duration lastSeenTtl();

    /**
     * An account going offline again within this long of the last-seen time this node stored for it keeps that
     * time instead of writing a new one: reconnect storms and flaky networks cost one write per account and period.
     */
    @WithDefault("1m")
    Duration lastSeenGranularity();

    /** Accounts one account may block. */
    @WithDefault("10000")
    int maxBlocked();

    /** Accounts on one account's contact list (SetContacts), which the presence and group-add settings check. */
    @WithDefault("5000")
    int maxContacts();

    /** Block, unblock and last-seen setting changes per account in a burst, then one per refill interval. */
    @WithDefault("30")
    int privacyChangeBurst();

    @WithDefault("2s")
    Duration privacyChangeRefill();
}
