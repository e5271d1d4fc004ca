package io.courier.common;

import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import reactor.core.publisher.Mono;

/** Reactor pipelines at the Mutiny boundary of the unary gRPC services. */
public final class Unis {
    private Unis() {
    }

    /** Subscribes per call; a rejection thrown while assembling fails the Uni like one signalled later. */
    public static <T> Uni<T> uni(Supplier<Mono<T>> call) {
        return Uni.createFrom().completionStage(() -> Mono.defer(call).toFuture());
    }
}
