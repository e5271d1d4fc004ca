package io.courier.cluster;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.function.IntSupplier;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The cluster's nodes for operators: every member asked, in parallel, for the streams its node holds. */
public final class NodeDirectory {
    /** Where a node keeps its open-stream count, in its Hazelcast user context (set by the edge). */
    static final String OPEN_STREAMS = "courier.cluster.open-streams";
    private static final String EXECUTOR = "courier-admin";
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(2);

    private final HazelcastInstance hazelcast;

    public NodeDirectory(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    /** Lets other members ask this node how many device streams it holds. */
    public void reportOpenStreams(IntSupplier openStreams) {
        hazelcast.getUserContext().put(OPEN_STREAMS, openStreams);
    }

    /** Oldest member first (Hazelcast's member order); a member that doesn't answer in time has no count. */
    public Mono<List<NodeStatus>> nodes() {
        IExecutorService executor = hazelcast.getExecutorService(EXECUTOR);
        UUID local = hazelcast.getCluster().getLocalMember().getUuid();
        return Flux.fromIterable(hazelcast.getCluster().getMembers())
                .flatMapSequential(member -> openStreams(executor, member)
                        .map(count -> count >= 0 ? OptionalInt.of(count) : OptionalInt.empty())
                        .timeout(ANSWER_WITHIN, Mono.just(OptionalInt.empty()))
                        .onErrorReturn(OptionalInt.empty())
                        .map(count -> new NodeStatus(member.getUuid().toString(), address(member),
                                member.getUuid().equals(local), count)))
                .collectList();
    }

    private static Mono<Integer> openStreams(IExecutorService executor, Member member) {
        return Mono.<Integer>create(sink -> executor.submitToMember(new OpenStreamsTask(), member,
                new ExecutionCallback<Integer>() {
                    @Override
                    public void onResponse(Integer count) {
                        sink.success(count);
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        sink.error(t);
                    }
                }));
    }

    private static String address(Member member) {
        InetSocketAddress socket = member.getSocketAddress();
        return socket.getHostString() + ":" + socket.getPort();
    }
}
