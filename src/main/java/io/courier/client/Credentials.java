package io.courier.client;

import java.util.UUID;

/** Who this device is on the server, and its bearer token. */
public record Credentials(UUID accountId, int deviceId, String authToken) {
}
