package io.courier.cluster;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The embedded Hazelcast member every node runs. */
@ConfigMapping(prefix = "courier.cluster")
public interface ClusterConfig {
    String DEFAULT_PARTITIONS = "271";

    /** Members with a different name never join: keep it unique per deployment. */
    @WithDefault("courier")
    String name();

    /** First port tried; the member takes the next free one above it. */
    @WithDefault("5701")
    int port();

    /** TCP/IP member list (host or host:port, no ranges); used when no Kubernetes service is set. */
    @WithDefault("127.0.0.1")
    List<String> members();

    /** Headless service DNS name for Kubernetes discovery (set by the Helm chart). */
    Optional<String> kubernetesServiceDns();

    /** Interface to bind and advertise (e.g. 127.0.0.1 locally); empty lets Hazelcast choose. */
    Optional<String> bindAddress();

    /**
     * This member's availability zone. Set on every member (or on none): a partition's backup is then kept in
     * another zone than its primary, so one zone's loss never takes both copies of a held queue item.
     */
    Optional<String> zone();

    /**
     * Requires {@link #zone()}: a member without one could not join zone-aware members and would form a second
     * cluster under the same name, so it refuses to start instead (the Helm chart sets this with the zone).
     */
    @WithDefault("false")
    boolean zoneAware();

    /**
     * Hazelcast partitions. Fewer make a group's fan-out fewer grid operations (one per partition its members'
     * devices fall in); more spread data more evenly over many members. Every member must use the same number
     * (Hazelcast refuses a member that doesn't), so changing it takes a full restart.
     */
    @WithDefault(DEFAULT_PARTITIONS)
    int partitions();
}
