package io.courier.group;

import java.time.Duration;

import io.courier.cluster.RateLimit;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of groups and how their fan-out runs. */
@ConfigMapping(prefix = "courier.groups")
public interface GroupConfig {
    /** Members per group, the creator included. */
    @WithDefault("1024")
    int maxMembers();

    /** Size of the client-encrypted attributes (title, avatar pointer). */
    @WithDefault("4096")
    int maxAttributesBytes();

    /** Recipients whose devices one fan-out job looks up at once (their copies are then enqueued together). */
    @WithDefault("64")
    int fanoutConcurrency();

    /** How often each node looks for recorded fan-out jobs of its partitions that nobody runs. */
    @WithDefault("30s")
    Duration resumeInterval();

    /** A recorded job this old that is not running here is taken over by the periodic sweep. */
    @WithDefault("20s")
    Duration resumeAfter();

    /** Membership changes (and invite link calls) per account before the refill rate applies. */
    @WithDefault("30")
    int changeBurst();

    @WithDefault("2s")
    Duration changeRefill();

    /**
     * Groups an account creates at once; then one per {@link #creationRefill()} (about 24 a day). Creation has its
     * own budget because what it makes outlives the call: a group lives until its last member leaves.
     */
    @WithDefault("10")
    int creationBurst();

    @WithDefault("1h")
    Duration creationRefill();

    /**
     * Groups created by one account that may exist at once, whether or not it is still in them (a group it left
     * lives on with its other members). Beyond it CreateGroup is refused until one of them is deleted.
     */
    @WithDefault("500")
    int maxCreatedPerAccount();

    /** GetGroup calls per account before the refill rate applies; a call for a group not cached reads the database. */
    @WithDefault("300")
    int readBurst();

    @WithDefault("100ms")
    Duration readRefill();

    default RateLimit creations() {
        return new RateLimit("groups created by this account", creationBurst(), creationRefill());
    }

    default RateLimit reads() {
        return new RateLimit("group reads by this account", readBurst(), readRefill());
    }

    default RateLimit changes() {
        return new RateLimit("group changes by this account", changeBurst(), changeRefill());
    }
}
