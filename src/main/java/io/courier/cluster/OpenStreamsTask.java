package io.courier.cluster;

import java.io.Serializable;
import java.util.concurrent.Callable;
import java.util.function.IntSupplier;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

/** Runs on one member and answers how many device streams its node holds; -1 on a member that is no node. */
final class OpenStreamsTask implements Callable<Integer>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;

    private transient HazelcastInstance hazelcast;

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.hazelcast = instance;
    }

    @Override
    public Integer call() {
        return hazelcast.getUserContext().get(NodeDirectory.OPEN_STREAMS) instanceof IntSupplier streams
                ? streams.getAsInt() : -1;
    }
}
