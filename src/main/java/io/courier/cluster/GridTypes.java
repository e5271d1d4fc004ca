package io.courier.cluster;

import java.util.List;

import com.hazelcast.config.SerializerConfig;

/** The wire forms ({@link Wire}) one capability registers for its grid types; every member registers them all. */
public record GridTypes(List<SerializerConfig> serializers) {
    /** The cluster's own: device addresses, the key of every device queue operation. */
    public static GridTypes cluster() {
        return new GridTypes(List.of(Wire.of(DeviceAddress.class, 1, (out, device) -> {
            Wire.writeUuid(out, device.accountId());
            out.writeInt(device.deviceId());
        }, in -> new DeviceAddress(Wire.readUuid(in), in.readInt()))));
    }
}
