package io.courier.common;

import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Runs blocking logic (CQL round trips, Hazelcast calls) off the gRPC event loop. Read {@link CallContext} before
 * calling this: the work runs on a worker thread without the call's context.
 */
public final class Offload {
    private Offload() {
    }

    public static <T> Uni<T> blocking(Supplier<T> work) {
        return Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
