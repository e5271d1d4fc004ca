package io.courier.messaging;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.impl.operation.MultipleEntryOperation;
import com.hazelcast.nio.serialization.DataSerializableFactory;

/**
 * Hazelcast's operation for many keys of one partition (what {@code IMap.submitToKeys} runs per partition), except
 * that it waits for the map's synchronous backups like a single-key operation: Hazelcast's own sends every backup
 * of a multi-key operation asynchronously, so its result says nothing about a second copy. With this one, the
 * invocation completes only once the backup member has applied the backup processor (or fails with an
 * {@link com.hazelcast.core.IndeterminateOperationStateException} when the backup doesn't confirm in time, since
 * every member fails on an indeterminate state). Its own serialization ids, so the partition owner runs this class
 * and not Hazelcast's.
 */
final class BackedUpEntries extends MultipleEntryOperation {
    /** Courier's factory of Hazelcast operations; every member registers it ({@link MessagingWire}). */
    static final int FACTORY_ID = 1_700_100;
    private static final int CLASS_ID = 1;

    /** For deserialization. */
    public BackedUpEntries() {
    }

    BackedUpEntries(String map, Set<Data> keys, EntryProcessor<?, ?, ?> processor) {
        super(map, keys, processor);
    }

    static DataSerializableFactory factory() {
        return classId -> classId == CLASS_ID ? new BackedUpEntries() : null;
    }

    @Override
    public int getSyncBackupCount() {
        return mapContainer.getBackupCount();
    }

    @Override
    public int getAsyncBackupCount() {
        return mapContainer.getAsyncBackupCount();
    }

    @Override
    public int getFactoryId() {
        return FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return CLASS_ID;
    }
}
