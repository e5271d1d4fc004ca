package io.courier.account;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.courier.common.AuthenticatedDevice;
import io.courier.common.CredentialVerifier;
import io.courier.common.Rejections;

/**
 * Checks bearer tokens against the stored credential hashes. Reads the device row on every call, so a revoked
 * device is refused on its next call on every node.
 */
final class DeviceAuthenticator implements CredentialVerifier {
    private final DeviceStore devices;

    DeviceAuthenticator(DeviceStore devices) {
        this.devices = devices;
    }

    @Override
    public CompletionStage<AuthenticatedDevice> verify(String token) {
        DeviceToken presented;
        try {
            presented = DeviceToken.decode(token);
        } catch (RuntimeException malformed) {
            return CompletableFuture.failedFuture(malformed);
        }
        return devices.findAsync(presented.accountId(), presented.deviceId()).thenApply(found -> {
            DeviceRecord device = found.orElseThrow(() -> Rejections.unauthenticated("unknown or revoked device"));
            if (!Secrets.matches(device.credentialSalt(), presented.secret(), device.credentialHash())) {
                throw Rejections.unauthenticated("wrong credentials for this device");
            }
            return new AuthenticatedDevice(presented.accountId(), presented.deviceId(), device.generation());
        });
    }
}
