package io.courier.push;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.api.v1.PushPlatform;
import io.courier.cluster.DeviceAddress;
import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/** Push tokens by device in CQL ({@code push_tokens}). */
final class PushTokens {
    private final Cql cql;
    private final PreparedStatement upsert;
    private final PreparedStatement select;
    private final PreparedStatement delete;
    private final PreparedStatement deleteIfSame;
    private final PreparedStatement deleteDevices;

    PushTokens(Cql cql) {
        this.cql = cql;
        upsert = cql.session().prepare("INSERT INTO push_tokens (account_id, device_id, platform, push_token,"
                + " updated_at) VALUES (?, ?, ?, ?, ?)");
        select = cql.session().prepare(
                "SELECT platform, push_token FROM push_tokens WHERE account_id = ? AND device_id = ?");
        delete = cql.session().prepare("DELETE FROM push_tokens WHERE account_id = ? AND device_id = ?");
        deleteIfSame = cql.session().prepare(
                "DELETE FROM push_tokens WHERE account_id = ? AND device_id = ? IF push_token = ?");
        deleteDevices = cql.session().prepare("DELETE FROM push_tokens WHERE account_id = ? AND device_id IN ?");
    }

    Mono<Void> set(DeviceAddress device, PushToken token, Instant now) {
        return cql.write(upsert.bind(device.accountId(), device.deviceId(), token.platform().getNumber(),
                token.token(), now));
    }

    Mono<PushToken> find(DeviceAddress device) {
        return cql.one(select.bind(device.accountId(), device.deviceId()),
                row -> new PushToken(PushPlatform.forNumber(row.getInt("platform")), row.getString("push_token")));
    }

    Mono<Void> clear(DeviceAddress device) {
        return cql.write(delete.bind(device.accountId(), device.deviceId()));
    }

    /**
     * Removes the token only if the device still has this one (compare-and-set): a token the device replaced while
     * a push service was rejecting the old one survives. Completes with whether it was removed.
     */
    Mono<Boolean> removeIfSame(DeviceAddress device, PushToken token) {
        return ReactiveCql.execute(cql.session(), deleteIfSame.bind(device.accountId(), device.deviceId(),
                token.token())).map(rs -> rs.wasApplied());
    }

    Mono<Void> removeDevices(UUID account, Set<Integer> deviceIds) {
        return cql.write(deleteDevices.bind(account, List.copyOf(deviceIds)));
    }
}
