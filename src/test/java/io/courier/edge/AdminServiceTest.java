package io.courier.edge;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.courier.api.v1.AdminServiceGrpc;
import io.courier.api.v1.ListDevicesRequest;
import io.courier.api.v1.ListNodesRequest;
import io.courier.api.v1.NodeInfo;
import io.courier.api.v1.RevokeAccountDeviceRequest;
import io.courier.support.RawStream;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class AdminServiceTest extends ServerTest {
    @ConfigProperty(name = "courier.admin.token")
    String operatorToken;

    @Inject
    StreamMetrics streams;

    private AdminServiceGrpc.AdminServiceBlockingStub admin() {
        return withToken(AdminServiceGrpc.newBlockingStub(channel), operatorToken);
    }

    @Test
    void anAddressSpendsItsBudgetOfAdminCallsRightTokenOrWrongThenEvenTheRightOneIsRefused() {
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.FORWARDED_FOR, "198.51.100." + ThreadLocalRandom.current().nextInt(1, 255));
        AdminServiceGrpc.AdminServiceBlockingStub fromThere = admin()
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        AdminServiceGrpc.AdminServiceBlockingStub guessing = withToken(AdminServiceGrpc.newBlockingStub(channel),
                operatorToken + "x").withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        for (int i = 0; i < 100; i++) {
            assertStatus(Status.Code.UNAUTHENTICATED, () -> guessing.listNodes(ListNodesRequest.getDefaultInstance()));
        }
        for (int i = 0; i < 100; i++) { // %test.courier.admin.calls-per-peer-burst: 200 in all
            fromThere.listNodes(ListNodesRequest.getDefaultInstance());
        }

        assertThat(assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                () -> fromThere.listNodes(ListNodesRequest.getDefaultInstance())))
                .contains("AdminService calls from this address");
        assertThat(admin().listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount())
                .as("another address's budget is its own").isPositive();
    }

    @Test
    void callsWithoutTheOperatorTokenAreRefused() {
        RegisteredDevice device = registerNew();
        assertThat(assertStatus(Status.Code.UNAUTHENTICATED,
                () -> AdminServiceGrpc.newBlockingStub(channel).listNodes(ListNodesRequest.getDefaultInstance())))
                .contains("authorization: Bearer <operator token>");
        assertThat(assertStatus(Status.Code.UNAUTHENTICATED,
                () -> withToken(AdminServiceGrpc.newBlockingStub(channel), operatorToken + "x")
                        .listNodes(ListNodesRequest.getDefaultInstance())))
                .isEqualTo("wrong operator token");
        assertStatus(Status.Code.UNAUTHENTICATED, () -> withToken(AdminServiceGrpc.newBlockingStub(channel),
                device.authToken()).revokeAccountDevice(RevokeAccountDeviceRequest.newBuilder()
                        .setAccountId(device.accountId()).setDeviceId(2).build()));
    }

    @Test
    void aNodeWithoutAnOperatorTokenRefusesEveryCallAndAShortTokenFailsTheStart() {
        OperatorToken off = new OperatorToken(Optional.empty());
        assertThatThrownBy(() -> off.check("Bearer " + operatorToken))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
                .hasMessageContaining("no courier.admin.token is configured");
        assertThatThrownBy(() -> new OperatorToken(Optional.of("short")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least 32 characters")
                .hasMessageNotContaining("short");
    }

    @Test
    void listNodesCountsTheDeviceStreamsOpenOnThisNode() {
        try (RawStream stream = connect(participant())) {
            stream.drain();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                NodeInfo local = admin().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
                        .filter(NodeInfo::getLocal).findFirst().orElseThrow();
                assertThat(local.getMemberId()).isNotBlank();
                assertThat(local.getAddress()).contains(":");
                assertThat(local.hasOpenStreams()).isTrue();
                assertThat(local.getOpenStreams()).isGreaterThanOrEqualTo(1).isEqualTo(streams.openStreams());
            });
        }
    }

    @Test
    void revokingALinkedDeviceClosesItsStreamAndEndsItsCredential() {
        RegisteredDevice primary = participant().device(); // a linked device's keys need the account's identity
        Participant tablet = withKeys(link(primary, "tablet"));
        try (RawStream stream = connect(tablet)) {
            stream.drain();
            var response = admin().revokeAccountDevice(RevokeAccountDeviceRequest.newBuilder()
                    .setPhoneNumber(primary.phoneNumber()).setDeviceId(tablet.deviceId()).build());

            assertThat(response.getAccountId()).isEqualTo(primary.accountId());
            assertThat(stream.awaitClosed().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertStatus(Status.Code.UNAUTHENTICATED,
                    () -> accounts(tablet.device()).listDevices(ListDevicesRequest.getDefaultInstance()));
            assertThat(accounts(primary).listDevices(ListDevicesRequest.getDefaultInstance()).getDevicesList())
                    .extracting(d -> d.getDeviceId()).containsExactly(1);
        }
    }

    @Test
    void revokingNamesWhatIsWrong() {
        RegisteredDevice primary = registerNew();
        assertThat(assertStatus(Status.Code.FAILED_PRECONDITION, () -> admin().revokeAccountDevice(
                RevokeAccountDeviceRequest.newBuilder().setAccountId(primary.accountId()).setDeviceId(1).build())))
                .contains("primary");
        assertThat(assertStatus(Status.Code.NOT_FOUND, () -> admin().revokeAccountDevice(
                RevokeAccountDeviceRequest.newBuilder().setAccountId(primary.accountId()).setDeviceId(5).build())))
                .contains("no device 5");
        assertThat(assertStatus(Status.Code.NOT_FOUND, () -> admin().revokeAccountDevice(
                RevokeAccountDeviceRequest.newBuilder().setPhoneNumber(randomPhoneNumber()).setDeviceId(2).build())))
                .contains("no account");
        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> admin().revokeAccountDevice(
                RevokeAccountDeviceRequest.newBuilder().setDeviceId(2).build())))
                .contains("account_id or phone_number");
        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT, () -> admin().revokeAccountDevice(
                RevokeAccountDeviceRequest.newBuilder().setPhoneNumber("not a number").setDeviceId(2).build())))
                .isNotBlank();
    }
}
