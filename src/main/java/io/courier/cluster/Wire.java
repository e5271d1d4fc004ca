package io.courier.cluster;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.hazelcast.config.SerializerConfig;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.StreamSerializer;

/**
 * The grid's wire form of one Courier type: written field by field instead of by Java serialization, which costs
 * every hot grid operation (and above all its backup, sent to another member on every change) a stream with class
 * descriptors, reflection and a filter check per class. Every member must register the same set
 * ({@link GridTypes}); types without one still travel by Java serialization.
 */
public final class Wire<T> implements StreamSerializer<T> {
    /** Writes a value's fields. */
    @FunctionalInterface
    public interface Writer<T> {
        void write(ObjectDataOutput out, T value) throws IOException;
    }

    /** Reads them back in the same order. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(ObjectDataInput in) throws IOException;
    }

    private final int typeId;
    private final Writer<T> writer;
    private final Reader<T> reader;

    private Wire(int typeId, Writer<T> writer, Reader<T> reader) {
        this.typeId = typeId;
        this.writer = writer;
        this.reader = reader;
    }

    /** @param typeId unique among Courier's types, positive (Hazelcast's own are negative) */
    public static <T> SerializerConfig of(Class<T> type, int typeId, Writer<T> writer, Reader<T> reader) {
        return new SerializerConfig().setTypeClass(type).setImplementation(new Wire<>(typeId, writer, reader));
    }

    @Override
    public int getTypeId() {
        return typeId;
    }

    @Override
    public void write(ObjectDataOutput out, T value) throws IOException {
        writer.write(out, value);
    }

    @Override
    public T read(ObjectDataInput in) throws IOException {
        return reader.read(in);
    }

    /** A UUID, or null. */
    public static void writeUuid(ObjectDataOutput out, UUID id) throws IOException {
        out.writeBoolean(id != null);
        if (id != null) {
            out.writeLong(id.getMostSignificantBits());
            out.writeLong(id.getLeastSignificantBits());
        }
    }

    public static UUID readUuid(ObjectDataInput in) throws IOException {
        return in.readBoolean() ? new UUID(in.readLong(), in.readLong()) : null;
    }

    public static void writeInstant(ObjectDataOutput out, Instant time) throws IOException {
        out.writeLong(time.getEpochSecond());
        out.writeInt(time.getNano());
    }

    public static Instant readInstant(ObjectDataInput in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }

    /** Elements by their own wire form (registered, built in, or Java serialization). */
    public static void writeList(ObjectDataOutput out, List<?> values) throws IOException {
        out.writeInt(values.size());
        for (Object value : values) {
            out.writeObject(value);
        }
    }

    public static <E> List<E> readList(ObjectDataInput in) throws IOException {
        int size = in.readInt();
        // The capacity is a hint only: a corrupt length must not allocate (or fail) before the elements do.
        List<E> values = new ArrayList<>(Math.max(0, Math.min(size, 256)));
        for (int i = 0; i < size; i++) {
            values.add(in.readObject());
        }
        return values;
    }
}
