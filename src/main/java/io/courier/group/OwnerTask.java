package io.courier.group;

import java.io.Serializable;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

/**
 * Hands a recorded job to the fan-out worker of the member that owns the group's partition. Runs on that member's
 * executor thread and only queues the job, so it returns at once.
 */
final class OwnerTask implements Runnable, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    /** Where each member keeps its worker, in its Hazelcast user context. */
    static final String WORKER = "courier.group.fanout-worker";

    private final FanoutJob job;
    private transient HazelcastInstance hazelcast;

    OwnerTask(FanoutJob job) {
        this.job = job;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.hazelcast = instance;
    }

    @Override
    public void run() {
        if (hazelcast.getUserContext().get(WORKER) instanceof FanoutWorker worker) {
            worker.enqueue(job);
        }
        // A member without a worker is starting or stopping: the job stays recorded and a resume sweep takes it.
    }
}
