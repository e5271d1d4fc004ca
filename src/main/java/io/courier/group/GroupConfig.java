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

    /** Group creations and membership changes per account before the refill rate applies. */
    @WithDefault("30")
    int changeBurst();

    @WithDefault("2s")
    Duration changeRefill();

    default RateLimit changes() {
        return new RateLimit("group changes by this account", changeBurst(), changeRefill());
    }
}
