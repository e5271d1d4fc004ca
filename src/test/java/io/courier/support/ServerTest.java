package io.courier.support;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.signal.libsignal.protocol.IdentityKeyPair;

import com.google.protobuf.ByteString;

import io.courier.api.v1.AccountServiceGrpc;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.CreateLinkCodeRequest;
import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.KeyServiceGrpc;
import io.courier.api.v1.LinkDeviceRequest;
import io.courier.api.v1.LinkDeviceResponse;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.PrivacyServiceGrpc;
import io.courier.api.v1.RegisterRequest;
import io.courier.api.v1.RegisterResponse;
import io.courier.api.v1.RequestVerificationCodeRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;

/**
 * Base of the integration tests: one node for the whole suite on the real local Cassandra, S3Proxy and Hazelcast,
 * reached over a real gRPC channel like a phone would.
 */
@QuarkusTestResource(value = LocalInfrastructureResource.class, restrictToAnnotatedClass = false)
public abstract class ServerTest {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    protected static ManagedChannel channel;

    /** The verification session of the last code requested for each number. */
    private static final Map<String, ByteString> SESSIONS = new ConcurrentHashMap<>();

    /** The identity key pair of each account whose primary {@link #withKeys} uploaded keys. */
    private final Map<ByteString, IdentityKeyPair> accountIdentities = new ConcurrentHashMap<>();

    @Inject
    protected CapturingVerificationCodeSender verificationCodes;

    @Inject
    protected AdjustableClock clock;

    @BeforeAll
    static void openChannel() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterAll
    static void closeChannel() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    protected static String randomPhoneNumber() {
        // German mobile numbers: valid for libphonenumber, 90 million of them.
        return "+49151" + ThreadLocalRandom.current().nextInt(10_000_000, 100_000_000);
    }

    protected static AccountServiceGrpc.AccountServiceBlockingStub anonymousAccounts() {
        return AccountServiceGrpc.newBlockingStub(channel);
    }

    protected static AccountServiceGrpc.AccountServiceBlockingStub accounts(RegisteredDevice device) {
        return withToken(AccountServiceGrpc.newBlockingStub(channel), device.authToken());
    }

    protected static KeyServiceGrpc.KeyServiceBlockingStub keys(RegisteredDevice device) {
        return withToken(KeyServiceGrpc.newBlockingStub(channel), device.authToken());
    }

    /** The privacy service as {@code participant}'s device calls it. */
    protected static PrivacyServiceGrpc.PrivacyServiceBlockingStub privacy(Participant participant) {
        return withToken(PrivacyServiceGrpc.newBlockingStub(channel), participant.device().authToken());
    }

    protected static <S extends AbstractStub<S>> S withToken(S stub, String token) {
        return withAuthorization(stub, "Bearer " + token);
    }

    protected static <S extends AbstractStub<S>> S withAuthorization(S stub, String header) {
        Metadata metadata = new Metadata();
        metadata.put(AUTHORIZATION, header);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
    }

    /** Requests a code for the number (opening a session, see {@link #sessionFor}) and returns the code sent. */
    protected String requestCode(String phoneNumber) {
        SESSIONS.put(phoneNumber, anonymousAccounts().requestVerificationCode(
                RequestVerificationCodeRequest.newBuilder().setPhoneNumber(phoneNumber).build())
                .getVerificationSessionId());
        return verificationCodes.lastCodeFor(phoneNumber);
    }

    /** The session of the last code {@link #requestCode} requested for the number, as the phone would keep it. */
    protected static ByteString sessionFor(String phoneNumber) {
        ByteString session = SESSIONS.get(phoneNumber);
        if (session == null) {
            throw new AssertionError("no verification code was requested for " + phoneNumber);
        }
        return session;
    }

    protected RegisteredDevice register(String phoneNumber) {
        String code = requestCode(phoneNumber);
        RegisterResponse response = anonymousAccounts().register(RegisterRequest.newBuilder()
                .setPhoneNumber(phoneNumber).setVerificationSessionId(sessionFor(phoneNumber))
                .setVerificationCode(code).setDeviceName("phone").build());
        return new RegisteredDevice(phoneNumber, response.getAccountId(), response.getDeviceId(),
                response.getAuthToken());
    }

    protected RegisteredDevice registerNew() {
        return register(randomPhoneNumber());
    }

    /** A registered device with real libsignal keys uploaded: it can receive messages. */
    protected record Participant(RegisteredDevice device, SignalDevice signal) {
        public ByteString accountId() {
            return device.accountId();
        }

        public int deviceId() {
            return device.deviceId();
        }
    }

    protected Participant participant() {
        return withKeys(registerNew());
    }

    /**
     * Uploads real keys: a primary's make a new account identity; a linked device's use it (the primary hands its
     * identity key pair over when linking), so the primary's keys come first.
     */
    protected Participant withKeys(RegisteredDevice device) {
        SignalDevice signal = device.deviceId() == 1 ? new SignalDevice()
                : new SignalDevice(accountIdentities.getOrDefault(device.accountId(), IdentityKeyPair.generate()));
        keys(device).uploadKeys(signal.fullUpload(3, 3));
        if (device.deviceId() == 1) {
            accountIdentities.put(device.accountId(), signal.identityKeyPair());
        }
        return new Participant(device, signal);
    }

    /** A fresh client message id, as a phone draws one per message. */
    protected static long clientId() {
        return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }

    protected RawStream connect(Participant participant) {
        return new RawStream(channel, participant.device().authToken());
    }

    /** An envelope of opaque bytes for one device (the server never looks inside). */
    protected static DeviceEnvelope envelope(Participant to, byte[] ciphertext) {
        return DeviceEnvelope.newBuilder().setDeviceId(to.deviceId())
                .setRegistrationId(to.signal().registrationId())
                .setType(EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE)
                .setCiphertext(ByteString.copyFrom(ciphertext)).build();
    }

    protected static ConnectRequest sendFrame(long clientMessageId, Participant to,
            byte[] ciphertext) {
        return ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder()
                .setClientMessageId(clientMessageId).setRecipientAccountId(to.accountId())
                .addEnvelopes(envelope(to, ciphertext))).build();
    }

    protected RegisteredDevice link(RegisteredDevice primary, String name) {
        String code = accounts(primary).createLinkCode(CreateLinkCodeRequest.getDefaultInstance()).getLinkCode();
        LinkDeviceResponse response = anonymousAccounts().linkDevice(
                LinkDeviceRequest.newBuilder().setLinkCode(code).setDeviceName(name).build());
        return new RegisteredDevice(primary.phoneNumber(), response.getAccountId(), response.getDeviceId(),
                response.getAuthToken());
    }
}
