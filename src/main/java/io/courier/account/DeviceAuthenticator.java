package io.courier.account;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jboss.logging.Logger;

import io.courier.common.AuthenticatedDevice;
import io.courier.common.CredentialVerifier;
import io.courier.common.Rejections;
import reactor.core.publisher.Mono;

/**
 * Checks bearer tokens against the stored credential hashes. Reads the device row on every call, so a revoked
 * device is refused on its next call on every node. Refreshes the device's last-seen time when the row's is older
 * than {@code lastSeenRefresh}, so at most about once a period per device (the Registration Lock holds while an
 * account's devices are active).
 */
final class DeviceAuthenticator implements CredentialVerifier {
    private static final Logger LOG = Logger.getLogger(DeviceAuthenticator.class);

    private final DeviceStore devices;
    private final Clock clock;
    private final Duration lastSeenRefresh;

    DeviceAuthenticator(DeviceStore devices, Clock clock, Duration lastSeenRefresh) {
        this.devices = devices;
        this.clock = clock;
        this.lastSeenRefresh = lastSeenRefresh;
    }

    @Override
    public CompletionStage<AuthenticatedDevice> verify(String token) {
        DeviceToken presented;
        try {
            presented = DeviceToken.decode(token);
        } catch (RuntimeException malformed) {
            return CompletableFuture.failedFuture(malformed);
        }
        return devices.findAsync(presented.accountId(), presented.deviceId()).thenCompose(found -> {
            DeviceRecord device = found.orElseThrow(() -> Rejections.unauthenticated("unknown or revoked device"));
            if (!Secrets.matches(device.credentialSalt(), presented.secret(), device.credentialHash())) {
                throw Rejections.unauthenticated("wrong credentials for this device");
            }
            AuthenticatedDevice authenticated = new AuthenticatedDevice(presented.accountId(), presented.deviceId(),
                    device.generation());
            Instant now = clock.instant();
            if (!device.lastSeen().plus(lastSeenRefresh).isBefore(now)) {
                return CompletableFuture.completedFuture(authenticated);
            }
            // Awaited (one conditional write per device and period), so activity is recorded when the call runs;
            // a failure only leaves last_seen older, which errs on the lock holding longer, never shorter.
            return devices.touch(presented.accountId(), presented.deviceId(), now)
                    .onErrorResume(e -> {
                        LOG.debugf("Could not refresh a device's last-seen time: %s", e.toString());
                        return Mono.empty();
                    })
                    .thenReturn(authenticated).toFuture();
        });
    }
}
