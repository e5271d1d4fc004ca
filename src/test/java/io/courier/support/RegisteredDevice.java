package io.courier.support;

import com.google.protobuf.ByteString;

/** A device the test registered or linked, with its bearer token. */
public record RegisteredDevice(String phoneNumber, ByteString accountId, int deviceId, String authToken) {
}
