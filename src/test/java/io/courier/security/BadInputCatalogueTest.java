package io.courier.security;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.protobuf.ByteString;

import io.courier.api.v1.AccountServiceGrpc;
import io.courier.api.v1.ClearRegistrationLockRequest;
import io.courier.api.v1.CreateLinkCodeRequest;
import io.courier.api.v1.GetMessageStatusRequest;
import io.courier.api.v1.GetPreKeyBundleRequest;
import io.courier.api.v1.GetPreKeyCountRequest;
import io.courier.api.v1.LinkDeviceRequest;
import io.courier.api.v1.ListDevicesRequest;
import io.courier.api.v1.LookupAccountRequest;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.api.v1.PreKey;
import io.courier.api.v1.RegisterRequest;
import io.courier.api.v1.RequestVerificationCodeRequest;
import io.courier.api.v1.RevokeDeviceRequest;
import io.courier.api.v1.SetRegistrationLockRequest;
import io.courier.api.v1.SignedPreKey;
import io.courier.api.v1.UploadKeysRequest;
import io.courier.support.RawBytesStream;
import io.courier.support.RawStream;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.courier.support.SignalDevice;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Bad input to the account and key RPCs, one row per case: each gets its precise status with a message, and
 * nothing changes (the victim's devices and key counts, the unregistered number). The device stream and the status query have their own rows.
 */
@QuarkusTest
class BadInputCatalogueTest extends ServerTest {
    /** One bad call and the status it must get. */
    private record Case(String name, Code expected, ThrowingCallable call) {
    }

    /** What bad input must never change. */
    private record State(List<Integer> devices, int oneTimeKeys, int kyberKeys, boolean unregisteredStillFree) {
    }

    private Participant victim;
    private RegisteredDevice linked;
    private String unregistered;

    private State state() {
        var counts = keys(victim.device()).getPreKeyCount(GetPreKeyCountRequest.getDefaultInstance());
        List<Integer> devices = accounts(victim.device()).listDevices(ListDevicesRequest.getDefaultInstance())
                .getDevicesList().stream().map(d -> d.getDeviceId()).toList();
        boolean free;
        try {
            accounts(victim.device()).lookupAccount(
                    LookupAccountRequest.newBuilder().setPhoneNumber(unregistered).build());
            free = false;
        } catch (io.grpc.StatusRuntimeException e) {
            free = e.getStatus().getCode() == Code.NOT_FOUND;
        }
        return new State(devices, counts.getOneTimePreKeyCount(), counts.getKyberPreKeyCount(), free);
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputGetsItsStatusAndChangesNothing() {
        victim = participant();
        linked = link(victim.device(), "laptop");
        unregistered = randomPhoneNumber();
        State before = state();
        return Stream.concat(cases(), streamCases()).map(c -> DynamicTest.dynamicTest(c.name() + " -> " + c.expected(), () -> {
            assertStatus(c.expected(), c.call());
            assertThat(state()).as("nothing changed").isEqualTo(before);
        }));
    }

    private Stream<Case> cases() {
        var anonymous = anonymousAccounts();
        var own = accounts(victim.device());
        var ofLinked = accounts(linked);
        var keys = keys(victim.device());
        SignalDevice other = new SignalDevice();
        String longName = "n".repeat(65);
        return Stream.of(
                // RequestVerificationCode
                new Case("code request without a number", Code.INVALID_ARGUMENT, () -> anonymous
                        .requestVerificationCode(RequestVerificationCodeRequest.getDefaultInstance())),
                new Case("code request for a national number", Code.INVALID_ARGUMENT, () -> codeFor("015112345678")),
                new Case("code request for letters", Code.INVALID_ARGUMENT, () -> codeFor("+abc")),
                new Case("code request for an impossible number", Code.INVALID_ARGUMENT, () -> codeFor("+15550100")),
                new Case("code request for a fictional NANP number", Code.INVALID_ARGUMENT, () -> codeFor("+15551234567")),
                new Case("code request for an unassigned country code", Code.INVALID_ARGUMENT,
                        () -> codeFor("+999123456789")),
                new Case("code request for 40 characters", Code.INVALID_ARGUMENT, () -> codeFor("+49" + "1".repeat(37))),
                new Case("code request for a premium-rate number", Code.INVALID_ARGUMENT,
                        () -> codeFor(exampleNumber(PhoneNumberUtil.PhoneNumberType.PREMIUM_RATE))),
                new Case("code request for a shared-cost number", Code.INVALID_ARGUMENT,
                        () -> codeFor(exampleNumber(PhoneNumberUtil.PhoneNumberType.SHARED_COST))),
                // Register
                new Case("register without a number", Code.INVALID_ARGUMENT, () -> register("", "123456", "")),
                new Case("register an invalid number", Code.INVALID_ARGUMENT, () -> register("+12", "123456", "")),
                new Case("register with full-width digits", Code.INVALID_ARGUMENT,
                        () -> register(unregistered, "\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16", "")),
                new Case("register with Arabic-Indic digits", Code.INVALID_ARGUMENT,
                        () -> register(unregistered, "\u0661\u0662\u0663\u0664\u0665\u0666", "")),
                new Case("register with 5 digits", Code.INVALID_ARGUMENT, () -> register(unregistered, "12345", "")),
                new Case("register with 7 digits", Code.INVALID_ARGUMENT, () -> register(unregistered, "1234567", "")),
                new Case("register with letters", Code.INVALID_ARGUMENT, () -> register(unregistered, "12a456", "")),
                new Case("register without a code", Code.INVALID_ARGUMENT, () -> register(unregistered, "", "")),
                new Case("register with a 65-character name", Code.INVALID_ARGUMENT,
                        () -> register(unregistered, "123456", longName)),
                new Case("register with no code pending", Code.FAILED_PRECONDITION,
                        () -> register(unregistered, "123456", "")),
                new Case("register without a verification session", Code.INVALID_ARGUMENT,
                        () -> register(unregistered, ByteString.EMPTY, "123456", "")),
                new Case("register with a 15-byte verification session", Code.INVALID_ARGUMENT,
                        () -> register(unregistered, ByteString.copyFrom(new byte[15]), "123456", "")),
                new Case("register with a 3-character lock PIN", Code.INVALID_ARGUMENT,
                        () -> registerWithPin(unregistered, "123")),
                new Case("register with a 65-character lock PIN", Code.INVALID_ARGUMENT,
                        () -> registerWithPin(unregistered, "7".repeat(65))),
                new Case("register with a lock PIN holding a control character", Code.INVALID_ARGUMENT,
                        () -> registerWithPin(unregistered, "12\u000034")),
                // SetRegistrationLock and ClearRegistrationLock
                new Case("lock PIN of 3 digits", Code.INVALID_ARGUMENT, () -> own.setRegistrationLock(
                        SetRegistrationLockRequest.newBuilder().setPin("123").build())),
                new Case("empty lock PIN", Code.INVALID_ARGUMENT,
                        () -> own.setRegistrationLock(SetRegistrationLockRequest.getDefaultInstance())),
                new Case("lock PIN of 65 characters", Code.INVALID_ARGUMENT, () -> own.setRegistrationLock(
                        SetRegistrationLockRequest.newBuilder().setPin("p".repeat(65)).build())),
                new Case("lock PIN with a newline", Code.INVALID_ARGUMENT, () -> own.setRegistrationLock(
                        SetRegistrationLockRequest.newBuilder().setPin("1234\n").build())),
                new Case("lock set by a linked device", Code.PERMISSION_DENIED, () -> ofLinked.setRegistrationLock(
                        SetRegistrationLockRequest.newBuilder().setPin("1234").build())),
                new Case("lock cleared by a linked device", Code.PERMISSION_DENIED,
                        () -> ofLinked.clearRegistrationLock(ClearRegistrationLockRequest.getDefaultInstance())),
                new Case("lock set without credentials", Code.UNAUTHENTICATED, () -> anonymous.setRegistrationLock(
                        SetRegistrationLockRequest.newBuilder().setPin("1234").build())),
                // LinkDevice and CreateLinkCode
                new Case("link without a code", Code.INVALID_ARGUMENT,
                        () -> anonymous.linkDevice(LinkDeviceRequest.getDefaultInstance())),
                new Case("link with an unknown code", Code.FAILED_PRECONDITION, () -> anonymous.linkDevice(
                        LinkDeviceRequest.newBuilder().setLinkCode("not-a-code").build())),
                new Case("link with a 65-character name", Code.INVALID_ARGUMENT, () -> anonymous.linkDevice(
                        LinkDeviceRequest.newBuilder().setLinkCode("x").setDeviceName(longName).build())),
                new Case("link code with a 1025-byte provisioning message", Code.INVALID_ARGUMENT,
                        () -> own.createLinkCode(CreateLinkCodeRequest.newBuilder()
                                .setProvisioningMessage(ByteString.copyFrom(new byte[1025])).build())),
                new Case("link code from a linked device", Code.PERMISSION_DENIED,
                        () -> ofLinked.createLinkCode(CreateLinkCodeRequest.getDefaultInstance())),
                // RevokeDevice
                new Case("revoke device 0", Code.INVALID_ARGUMENT, () -> revoke(own, 0)),
                new Case("revoke device 2^32-1", Code.INVALID_ARGUMENT, () -> revoke(own, -1)),
                new Case("revoke the primary", Code.FAILED_PRECONDITION, () -> revoke(own, 1)),
                new Case("revoke an unknown device", Code.NOT_FOUND, () -> revoke(own, 99)),
                new Case("a linked device revokes another", Code.PERMISSION_DENIED,
                        () -> revoke(ofLinked, linked.deviceId() + 1)),
                // LookupAccount
                new Case("lookup an invalid number", Code.INVALID_ARGUMENT, () -> own.lookupAccount(
                        LookupAccountRequest.newBuilder().setPhoneNumber("12345").build())),
                new Case("lookup an unregistered number", Code.NOT_FOUND, () -> own.lookupAccount(
                        LookupAccountRequest.newBuilder().setPhoneNumber(unregistered).build())),
                // Credentials
                new Case("list devices without credentials", Code.UNAUTHENTICATED,
                        () -> anonymous.listDevices(ListDevicesRequest.getDefaultInstance())),
                new Case("list devices with a malformed token", Code.UNAUTHENTICATED, () -> withToken(
                        AccountServiceGrpc.newBlockingStub(channel), "not-a-token")
                        .listDevices(ListDevicesRequest.getDefaultInstance())),
                new Case("list devices with a Basic header", Code.UNAUTHENTICATED, () -> withAuthorization(
                        AccountServiceGrpc.newBlockingStub(channel), "Basic dXNlcjpwYXNz")
                        .listDevices(ListDevicesRequest.getDefaultInstance())),
                // UploadKeys
                new Case("registration id 2^31", Code.INVALID_ARGUMENT,
                        () -> keys.uploadKeys(UploadKeysRequest.newBuilder().setRegistrationId(1 << 31).build())),
                new Case("registration id 16384", Code.INVALID_ARGUMENT,
                        () -> keys.uploadKeys(UploadKeysRequest.newBuilder().setRegistrationId(16384).build())),
                new Case("101 one-time keys of garbage (refused before parsing)", Code.INVALID_ARGUMENT,
                        () -> keys.uploadKeys(UploadKeysRequest.newBuilder().addAllOneTimePreKeys(
                                Stream.iterate(1, i -> i + 1).limit(101).map(i -> PreKey.newBuilder().setKeyId(i)
                                        .setPublicKey(ByteString.copyFromUtf8("garbage")).build()).toList())
                                .build())),
                new Case("101 Kyber keys", Code.INVALID_ARGUMENT, () -> keys.uploadKeys(UploadKeysRequest.newBuilder()
                        .addAllKyberPreKeys(Stream.iterate(1, i -> i + 1).limit(101)
                                .map(i -> SignedPreKey.newBuilder().setKeyId(i).build()).toList()).build())),
                new Case("one-time key id 0", Code.INVALID_ARGUMENT, () -> keys.uploadKeys(UploadKeysRequest.newBuilder()
                        .addAllOneTimePreKeys(victim.signal().oneTimeEcPreKeys(1).stream()
                                .map(k -> k.toBuilder().setKeyId(0).build()).toList()).build())),
                new Case("one-time key id 2^24", Code.INVALID_ARGUMENT, () -> keys.uploadKeys(UploadKeysRequest
                        .newBuilder().addAllOneTimePreKeys(victim.signal().oneTimeEcPreKeys(1).stream()
                                .map(k -> k.toBuilder().setKeyId(1 << 24).build()).toList()).build())),
                new Case("signed prekey id 2^32-1", Code.INVALID_ARGUMENT, () -> keys.uploadKeys(UploadKeysRequest
                        .newBuilder().setSignedPreKey(victim.signal().signedEcPreKey().toBuilder().setKeyId(-1))
                        .build())),
                new Case("a one-time key id twice", Code.INVALID_ARGUMENT, () -> keys.uploadKeys(UploadKeysRequest
                        .newBuilder().addAllOneTimePreKeys(victim.signal().oneTimeEcPreKeys(2).stream()
                                .map(k -> k.toBuilder().setKeyId(7).build()).toList()).build())),
                new Case("a one-time key that is not a key", Code.INVALID_ARGUMENT, () -> keys.uploadKeys(
                        UploadKeysRequest.newBuilder().addOneTimePreKeys(PreKey.newBuilder().setKeyId(5)
                                .setPublicKey(ByteString.copyFromUtf8("garbage"))).build())),
                new Case("an identity key that is not a key", Code.INVALID_ARGUMENT, () -> keys.uploadKeys(
                        UploadKeysRequest.newBuilder().setIdentityKey(ByteString.copyFromUtf8("garbage")).build())),
                new Case("a signed prekey signed by another identity", Code.INVALID_ARGUMENT, () -> keys.uploadKeys(
                        UploadKeysRequest.newBuilder().setSignedPreKey(other.signedEcPreKey()).build())),
                new Case("a Kyber key signed by another identity", Code.INVALID_ARGUMENT, () -> keys.uploadKeys(
                        UploadKeysRequest.newBuilder().setKyberLastResortPreKey(other.kyberPreKey()).build())),
                new Case("an empty upload", Code.INVALID_ARGUMENT,
                        () -> keys.uploadKeys(UploadKeysRequest.getDefaultInstance())),
                new Case("another identity key", Code.FAILED_PRECONDITION, () -> keys.uploadKeys(
                        other.fullUpload(1, 1))),
                new Case("a linked device's identity key that is not the account's", Code.INVALID_ARGUMENT,
                        () -> keys(linked).uploadKeys(other.fullUpload(1, 1))),
                // GetPreKeyBundle
                new Case("bundle without an account id", Code.INVALID_ARGUMENT,
                        () -> keys.getPreKeyBundle(GetPreKeyBundleRequest.getDefaultInstance())),
                new Case("bundle with a 15-byte account id", Code.INVALID_ARGUMENT, () -> keys.getPreKeyBundle(
                        GetPreKeyBundleRequest.newBuilder().setAccountId(ByteString.copyFrom(new byte[15])).build())),
                new Case("bundle of device 2^31", Code.INVALID_ARGUMENT, () -> keys.getPreKeyBundle(
                        GetPreKeyBundleRequest.newBuilder().setAccountId(victim.accountId()).setDeviceId(1 << 31)
                                .build())),
                new Case("bundle of an unknown account", Code.NOT_FOUND, () -> keys.getPreKeyBundle(
                        GetPreKeyBundleRequest.newBuilder().setAccountId(ByteString.copyFrom(new byte[16])).build())));
    }

    /** The messaging service: the device stream and the status query. */
    private Stream<Case> streamCases() {
        var statuses = withToken(MessagingServiceGrpc.newBlockingStub(channel), victim.device().authToken());
        GetMessageStatusRequest.Builder tooMany = GetMessageStatusRequest.newBuilder();
        for (long id = 1; id <= 101; id++) {
            tooMany.addServerIds(id);
        }
        return Stream.of(
                new Case("status of 101 messages", Code.INVALID_ARGUMENT,
                        () -> statuses.getMessageStatus(tooMany.build())),
                new Case("status without credentials", Code.UNAUTHENTICATED, () -> MessagingServiceGrpc
                        .newBlockingStub(channel).getMessageStatus(GetMessageStatusRequest.getDefaultInstance())),
                new Case("stream without credentials", Code.UNAUTHENTICATED,
                        () -> closedWith(new RawStream(channel, null).awaitClosed())),
                new Case("stream with a malformed token", Code.UNAUTHENTICATED,
                        () -> closedWith(new RawStream(channel, "not-a-token").awaitClosed())),
                new Case("stream frame that is not a ConnectRequest", Code.INVALID_ARGUMENT,
                        () -> closedWith(RawBytesStream.sendAndAwaitClose(channel, victim.device().authToken(),
                                new byte[] {0x0A, 0x7F, 1, 2, 3}))));
    }

    /** A stream's closing status as the exception a unary call would have thrown. */
    private static void closedWith(Status status) {
        throw status.asRuntimeException();
    }

    private static void codeFor(String phone) {
        anonymousAccounts().requestVerificationCode(
                RequestVerificationCodeRequest.newBuilder().setPhoneNumber(phone).build());
    }

    /** A well-formed session id no code request returned. */
    private static final ByteString NO_SESSION = ByteString.copyFrom(new byte[16]);

    private static void register(String phone, String code, String name) {
        register(phone, NO_SESSION, code, name);
    }

    private static void register(String phone, ByteString session, String code, String name) {
        anonymousAccounts().register(RegisterRequest.newBuilder().setPhoneNumber(phone)
                .setVerificationSessionId(session).setVerificationCode(code).setDeviceName(name).build());
    }

    private static void registerWithPin(String phone, String pin) {
        anonymousAccounts().register(RegisterRequest.newBuilder().setPhoneNumber(phone)
                .setVerificationSessionId(NO_SESSION).setVerificationCode("123456").setRegistrationLockPin(pin)
                .build());
    }

    private static String exampleNumber(PhoneNumberUtil.PhoneNumberType type) {
        PhoneNumberUtil numbers = PhoneNumberUtil.getInstance();
        return numbers.format(numbers.getExampleNumberForType("DE", type), PhoneNumberUtil.PhoneNumberFormat.E164);
    }

    private static void revoke(AccountServiceGrpc.AccountServiceBlockingStub stub, int deviceId) {
        stub.revokeDevice(RevokeDeviceRequest.newBuilder().setDeviceId(deviceId).build());
    }
}
