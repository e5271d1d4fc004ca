package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.courier.api.v1.AccountServiceGrpc;
import io.courier.api.v1.RequestVerificationCodeRequest;
import io.courier.support.SelfSignedCertificate;
import io.courier.support.ServerTest;
import io.courier.support.Statuses;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With a PEM certificate and key configured, the gRPC port speaks TLS only. */
@QuarkusTest
@TestProfile(TlsTest.WithCertificate.class)
class TlsTest extends ServerTest {
    private static final SelfSignedCertificate CERTIFICATE =
            SelfSignedCertificate.create(Path.of("target", "tls-test"));

    public static class WithCertificate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.grpc.server.ssl.certificate", CERTIFICATE.certificate().toAbsolutePath().toString(),
                    "quarkus.grpc.server.ssl.key", CERTIFICATE.privateKey().toAbsolutePath().toString());
        }
    }

    @Test
    void clientsThatTrustTheCertificateGetServedAndPlaintextClientsDont() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        ManagedChannel tls = NettyChannelBuilder.forAddress("localhost", port)
                .sslContext(GrpcSslContexts.forClient().trustManager(CERTIFICATE.certificate().toFile()).build())
                .build();
        ManagedChannel plaintext = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            var request = RequestVerificationCodeRequest.newBuilder().setPhoneNumber(randomPhoneNumber()).build();
            assertThat(AccountServiceGrpc.newBlockingStub(tls).requestVerificationCode(request).getCodeLength())
                    .isPositive();
            Statuses.assertStatus(Status.Code.UNAVAILABLE,
                    () -> AccountServiceGrpc.newBlockingStub(plaintext).withDeadlineAfter(10, TimeUnit.SECONDS)
                            .requestVerificationCode(request));
        } finally {
            tls.shutdownNow();
            plaintext.shutdownNow();
        }
    }
}
