package io.courier.support;

import java.nio.file.Path;
import java.util.Map;

/** The local APNs and FCM servers the suite's node sends wake-ups to; tests get them injected by type. */
public record PushServers(MockApns apns, MockFcm fcm) implements AutoCloseable {
    static PushServers start(Path directory) throws Exception {
        return new PushServers(new MockApns(directory.resolve("apns")), new MockFcm(directory.resolve("fcm")));
    }

    /** The node's configuration for both senders. */
    Map<String, String> config() {
        return Map.ofEntries(Map.entry("courier.push.apns.enabled", "true"),
                Map.entry("courier.push.apns.host", "127.0.0.1"),
                Map.entry("courier.push.apns.port", Integer.toString(apns.port())),
                Map.entry("courier.push.apns.signing-key", apns.signingKeyFile().toAbsolutePath().toString()),
                Map.entry("courier.push.apns.team-id", MockApns.TEAM_ID),
                Map.entry("courier.push.apns.key-id", MockApns.KEY_ID),
                Map.entry("courier.push.apns.topic", MockApns.TOPIC),
                Map.entry("courier.push.apns.trusted-certificates", apns.certificate().toAbsolutePath().toString()),
                Map.entry("courier.push.fcm.enabled", "true"),
                Map.entry("courier.push.fcm.service-account", fcm.serviceAccountFile().toAbsolutePath().toString()),
                Map.entry("courier.push.fcm.endpoint", fcm.endpoint().toString()));
    }

    @Override
    public void close() throws Exception {
        apns.close();
        fcm.close();
    }
}
