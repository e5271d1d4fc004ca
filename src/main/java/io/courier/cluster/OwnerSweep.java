package io.courier.cluster;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A periodic pass of a member over the grid entries it owns (spilling queues, flushing ticks), on a thread of its
 * own because a pass blocks on the grid. A pass still running when the next is due delays it instead of overlapping
 * it. Stops when disposed or when the member shuts down (the node drain shuts it down before the beans go), so no
 * pass runs against a member that is gone.
 */
public final class OwnerSweep {
    private OwnerSweep() {
    }

    public static Disposable every(HazelcastInstance hazelcast, String name, Duration interval,
            Supplier<Mono<Void>> pass) {
        Scheduler thread = Schedulers.newSingle(name);
        Disposable passes = Flux.interval(interval, interval, thread).onBackpressureDrop()
                .concatMap(tick -> pass.get()).subscribe();
        Disposable.Composite sweep = Disposables.composite(passes, thread);
        UUID listener = hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN) {
                sweep.dispose();
            }
        });
        sweep.add(() -> hazelcast.getLifecycleService().removeLifecycleListener(listener));
        return sweep;
    }
}
