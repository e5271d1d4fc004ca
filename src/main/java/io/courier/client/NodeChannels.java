package io.courier.client;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;

import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolver;
import io.grpc.StatusOr;

/**
 * A channel over a fixed list of Courier nodes, for setups without a load balancer in front (local multi-node,
 * tests): calls go round robin over the nodes that are up, so a stream a node ends ("reconnect now", a crash) is
 * opened again on a live one. Behind a load balancer or a DNS name use an ordinary channel to that address.
 */
public final class NodeChannels {
    private NodeChannels() {
    }

    /** A builder for a channel to {@code nodes}; the caller adds TLS or plaintext and builds it. */
    @SuppressWarnings("deprecation") // nameResolverFactory: the documented way to give one channel its own resolver
    public static ManagedChannelBuilder<?> forNodes(List<InetSocketAddress> nodes) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("at least one node address is needed");
        }
        List<EquivalentAddressGroup> groups = nodes.stream().map(EquivalentAddressGroup::new).toList();
        return ManagedChannelBuilder.forTarget(FixedNodes.SCHEME + ":///courier")
                .nameResolverFactory(new FixedNodes(groups))
                .defaultLoadBalancingPolicy("round_robin");
    }

    /** Resolves to the same addresses every time. */
    private static final class FixedNodes extends NameResolver.Factory {
        static final String SCHEME = "courier-nodes";
        private final List<EquivalentAddressGroup> groups;

        FixedNodes(List<EquivalentAddressGroup> groups) {
            this.groups = groups;
        }

        @Override
        public NameResolver newNameResolver(URI target, NameResolver.Args args) {
            return new NameResolver() {
                @Override
                public String getServiceAuthority() {
                    return "courier";
                }

                @Override
                public void start(Listener2 listener) {
                    listener.onResult(ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups))
                            .build());
                }

                @Override
                public void shutdown() {
                    // nothing held
                }
            };
        }

        @Override
        public String getDefaultScheme() {
            return SCHEME;
        }
    }
}
