package io.courier.client;

import java.time.Duration;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.google.protobuf.ByteString;

import io.courier.api.v1.AccountServiceGrpc;
import io.courier.api.v1.ClearPushTokenRequest;
import io.courier.api.v1.ClearRegistrationLockRequest;
import io.courier.api.v1.CreateLinkCodeRequest;
import io.courier.api.v1.DeleteAccountRequest;
import io.courier.api.v1.RevokeDeviceRequest;
import io.courier.api.v1.GetPreKeyCountRequest;
import io.courier.api.v1.LinkDeviceRequest;
import io.courier.api.v1.LookupAccountRequest;
import io.courier.api.v1.PushPlatform;
import io.courier.api.v1.RegisterRequest;
import io.courier.api.v1.RequestVerificationCodeRequest;
import io.courier.api.v1.SetPushTokenRequest;
import io.courier.api.v1.SetRegistrationLockRequest;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * This device's account and keys: registration or linking (which upload its keys), the Registration Lock, the push
 * token, lookups, and one-time prekeys topped up after each drain. The behaviour is documented on
 * {@link CourierClient}, which delegates here.
 */
final class Accounts {
    private static final Logger LOG = Logger.getLogger(Accounts.class.getName());
    private static final int ONE_TIME_KEYS = 50;
    private static final int REFILL_BELOW = 20;

    private final Calls calls;
    private final ClientStore store;
    private volatile Disposable refill = () -> { };

    Accounts(Calls calls, ClientStore store) {
        this.calls = calls;
        this.store = store;
    }

    Mono<VerificationSession> requestVerificationCode(String phoneNumber, String attestationToken) {
        return calls.call(() -> {
            var response = AccountServiceGrpc.newBlockingStub(calls.channel()).requestVerificationCode(
                    RequestVerificationCodeRequest.newBuilder().setPhoneNumber(phoneNumber)
                            .setAttestationToken(attestationToken).build());
            return new VerificationSession(phoneNumber, response.getVerificationSessionId(),
                    Duration.ofSeconds(response.getExpiresInSeconds()));
        });
    }

    Mono<Credentials> register(VerificationSession session, String verificationCode, String deviceName,
            String registrationLockPin) {
        return calls.call(() -> {
            var response = AccountServiceGrpc.newBlockingStub(calls.channel()).register(RegisterRequest.newBuilder()
                    .setPhoneNumber(session.phoneNumber()).setVerificationSessionId(session.id())
                    .setVerificationCode(verificationCode).setDeviceName(deviceName)
                    .setRegistrationLockPin(registrationLockPin).build());
            return adopt(response.getAccountId(), response.getDeviceId(), response.getAuthToken());
        });
    }

    /** This device's link key, to show the primary; the same one until the link completes. */
    String linkKey() {
        return Provisioning.encodeLinkKey(store.linkKey().getPublicKey());
    }

    /** Takes the account's identity from the primary's sealed message, then uploads keys under it. */
    Mono<Credentials> link(String linkCode, String deviceName) {
        return calls.call(() -> {
            var linkKey = store.linkKey();
            var response = AccountServiceGrpc.newBlockingStub(calls.channel()).linkDevice(LinkDeviceRequest
                    .newBuilder().setLinkCode(linkCode).setDeviceName(deviceName).build());
            store.adoptIdentity(Provisioning.open(response.getProvisioningMessage().toByteArray(),
                    linkKey.getPrivateKey()));
            return adopt(response.getAccountId(), response.getDeviceId(), response.getAuthToken());
        });
    }

    /** Keeps the credentials the server issued and uploads this device's keys. */
    private Credentials adopt(ByteString accountId, int deviceId, String authToken) {
        Credentials credentials = new Credentials(WireIds.uuid(accountId), deviceId, authToken);
        store.saveCredentials(credentials);
        calls.keys().uploadKeys(new KeyMaterial(store).fullUpload(ONE_TIME_KEYS));
        return credentials;
    }

    Mono<Void> setRegistrationLock(String pin) {
        return calls.call(() -> calls.accounts().setRegistrationLock(SetRegistrationLockRequest.newBuilder()
                .setPin(pin).build())).then();
    }

    Mono<Void> clearRegistrationLock() {
        return calls.call(() -> calls.accounts().clearRegistrationLock(
                ClearRegistrationLockRequest.getDefaultInstance())).then();
    }

    Mono<Void> revokeDevice(int deviceId) {
        return calls.call(() -> calls.accounts().revokeDevice(RevokeDeviceRequest.newBuilder().setDeviceId(deviceId)
                .build())).then();
    }

    Mono<Void> deleteAccount(String confirmPhoneNumber) {
        return calls.call(() -> calls.accounts().deleteAccount(DeleteAccountRequest.newBuilder()
                .setConfirmPhoneNumber(confirmPhoneNumber).build())).then();
    }

    Mono<Void> setPushToken(PushPlatform platform, String token) {
        return calls.call(() -> calls.push().setPushToken(SetPushTokenRequest.newBuilder().setPlatform(platform)
                .setToken(token).build())).then();
    }

    Mono<Void> clearPushToken() {
        return calls.call(() -> calls.push().clearPushToken(ClearPushTokenRequest.getDefaultInstance())).then();
    }

    /** The account's identity sealed to {@code newDeviceLinkKey} travels with the code. */
    Mono<String> createLinkCode(String newDeviceLinkKey) {
        return Mono.fromCallable(() -> Provisioning.seal(store.getIdentityKeyPair(), newDeviceLinkKey))
                .flatMap(sealed -> calls.call(() -> calls.accounts().createLinkCode(CreateLinkCodeRequest.newBuilder()
                        .setProvisioningMessage(ByteString.copyFrom(sealed)).build()).getLinkCode()));
    }

    Mono<UUID> lookup(String phoneNumber) {
        return calls.call(() -> WireIds.uuid(calls.accounts().lookupAccount(
                LookupAccountRequest.newBuilder().setPhoneNumber(phoneNumber).build()).getAccountId()));
    }

    Mono<Boolean> refillPreKeys(int threshold) {
        return calls.call(() -> {
            var counts = calls.keys().getPreKeyCount(GetPreKeyCountRequest.getDefaultInstance());
            if (counts.getOneTimePreKeyCount() >= threshold && counts.getKyberPreKeyCount() >= threshold) {
                return false;
            }
            calls.keys().uploadKeys(new KeyMaterial(store).refill(ONE_TIME_KEYS));
            return true;
        });
    }

    /** The queue is drained (this device's keys were just used, if at all): tops them up in the background. */
    void topUp() {
        refill = refillPreKeys(REFILL_BELOW)
                .subscribe(refilled -> { }, e -> LOG.log(Level.FINE, "prekey refill failed", e));
    }

    void close() {
        refill.dispose();
    }
}
