package io.courier.account;

import static io.courier.common.Unis.uni;

import jakarta.inject.Provider;

import com.google.protobuf.ByteString;

import io.courier.api.v1.AccountService;
import io.courier.api.v1.ClearRegistrationLockRequest;
import io.courier.api.v1.ClearRegistrationLockResponse;
import io.courier.api.v1.DeleteAccountRequest;
import io.courier.api.v1.DeleteAccountResponse;
import io.courier.api.v1.CreateLinkCodeRequest;
import io.courier.api.v1.CreateLinkCodeResponse;
import io.courier.api.v1.Device;
import io.courier.api.v1.LinkDeviceRequest;
import io.courier.api.v1.LinkDeviceResponse;
import io.courier.api.v1.ListDevicesRequest;
import io.courier.api.v1.ListDevicesResponse;
import io.courier.api.v1.LookupAccountRequest;
import io.courier.api.v1.LookupAccountResponse;
import io.courier.api.v1.RegisterRequest;
import io.courier.api.v1.RegisterResponse;
import io.courier.api.v1.RequestVerificationCodeRequest;
import io.courier.api.v1.RequestVerificationCodeResponse;
import io.courier.api.v1.RevokeDeviceRequest;
import io.courier.api.v1.RevokeDeviceResponse;
import io.courier.api.v1.SetRegistrationLockRequest;
import io.courier.api.v1.SetRegistrationLockResponse;
import io.courier.common.AuthenticatedDevice;
import io.courier.common.CallContext;
import io.courier.common.Ids;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** gRPC boundary of the account capability: maps messages; the registry's Reactor pipelines become Unis here. */
@GrpcService
public class AccountGrpcService implements AccountService {
    /** Resolved on first use: the gRPC server builds services before the database session exists. */
    private final Provider<AccountRegistry> registry;

    AccountGrpcService(Provider<AccountRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public Uni<RequestVerificationCodeResponse> requestVerificationCode(RequestVerificationCodeRequest request) {
        String peer = CallContext.peer();
        return uni(() -> registry.get().requestVerificationCode(request.getPhoneNumber(),
                        request.getAttestationToken(), peer)
                .map(session -> RequestVerificationCodeResponse.newBuilder()
                        .setCodeLength(PhoneVerification.CODE_LENGTH)
                        .setExpiresInSeconds((int) session.expiresIn().toSeconds())
                        .setVerificationSessionId(ByteString.copyFrom(session.id())).build()));
    }

    @Override
    public Uni<RegisterResponse> register(RegisterRequest request) {
        String peer = CallContext.peer();
        return uni(() -> registry.get().register(request.getPhoneNumber(),
                        request.getVerificationSessionId().toByteArray(), request.getVerificationCode(),
                        request.getDeviceName(), request.getRegistrationLockPin(), peer)
                .map(credentials -> RegisterResponse.newBuilder().setAccountId(Ids.bytes(credentials.accountId()))
                        .setDeviceId(credentials.deviceId()).setAuthToken(credentials.authToken()).build()));
    }

    @Override
    public Uni<CreateLinkCodeResponse> createLinkCode(CreateLinkCodeRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> registry.get().createLinkCode(caller, request.getProvisioningMessage().toByteArray())
                .map(code -> CreateLinkCodeResponse.newBuilder().setLinkCode(code.code())
                        .setExpiresInSeconds((int) code.expiresIn().toSeconds()).build()));
    }

    @Override
    public Uni<LinkDeviceResponse> linkDevice(LinkDeviceRequest request) {
        String peer = CallContext.peer();
        return uni(() -> registry.get().linkDevice(request.getLinkCode(), request.getDeviceName(), peer)
                .map(linked -> LinkDeviceResponse.newBuilder()
                        .setAccountId(Ids.bytes(linked.credentials().accountId()))
                        .setDeviceId(linked.credentials().deviceId()).setAuthToken(linked.credentials().authToken())
                        .setProvisioningMessage(ByteString.copyFrom(linked.provisioningMessage())).build()));
    }

    @Override
    public Uni<ListDevicesResponse> listDevices(ListDevicesRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> registry.get().listDevices(caller).map(devices -> {
            ListDevicesResponse.Builder response = ListDevicesResponse.newBuilder();
            for (var device : devices) {
                response.addDevices(Device.newBuilder().setDeviceId(device.deviceId()).setName(device.name())
                        .setCreatedAtMs(device.createdAt().toEpochMilli())
                        .setPrimary(device.deviceId() == AuthenticatedDevice.PRIMARY_DEVICE_ID));
            }
            return response.build();
        }));
    }

    @Override
    public Uni<RevokeDeviceResponse> revokeDevice(RevokeDeviceRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> registry.get().revokeDevice(caller, request.getDeviceId())
                .thenReturn(RevokeDeviceResponse.getDefaultInstance()));
    }

    @Override
    public Uni<SetRegistrationLockResponse> setRegistrationLock(SetRegistrationLockRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> registry.get().setRegistrationLock(caller, request.getPin())
                .thenReturn(SetRegistrationLockResponse.getDefaultInstance()));
    }

    @Override
    public Uni<ClearRegistrationLockResponse> clearRegistrationLock(ClearRegistrationLockRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> registry.get().clearRegistrationLock(caller)
                .thenReturn(ClearRegistrationLockResponse.getDefaultInstance()));
    }

    @Override
    public Uni<DeleteAccountResponse> deleteAccount(DeleteAccountRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> registry.get().deleteAccount(caller, request.getConfirmPhoneNumber())
                .thenReturn(DeleteAccountResponse.getDefaultInstance()));
    }

    @Override
    public Uni<LookupAccountResponse> lookupAccount(LookupAccountRequest request) {
        AuthenticatedDevice caller = CallContext.device();
        return uni(() -> registry.get().lookup(caller, request.getPhoneNumber())
                .map(accountId -> LookupAccountResponse.newBuilder().setAccountId(Ids.bytes(accountId)).build()));
    }
}
