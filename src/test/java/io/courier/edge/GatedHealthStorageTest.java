package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;

/** Health stays NOT_SERVING until the node says it is ready, whatever the gRPC server reported before. */
class GatedHealthStorageTest {
    private static final String ALL = GrpcHealthStorage.DEFAULT_SERVICE_NAME;

    @Test
    void theServersServingIsHeldBackUntilOpened() {
        GatedHealthStorage health = new GatedHealthStorage();
        assertThat(health.serverStarted()).isFalse();

        health.setStatus(ALL, ServingStatus.SERVING);
        health.setStatus("courier.v1.MessagingService", ServingStatus.SERVING);

        assertThat(health.serverStarted()).isTrue();
        assertThat(health.statusForService(ALL).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(health.statusForService("courier.v1.MessagingService").getStatus())
                .isEqualTo(ServingStatus.NOT_SERVING);

        health.open();

        assertThat(health.statusForService(ALL).getStatus()).isEqualTo(ServingStatus.SERVING);
        assertThat(health.statusForService("courier.v1.MessagingService").getStatus())
                .isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void afterOpeningADrainStillTurnsItOff() {
        GatedHealthStorage health = new GatedHealthStorage();
        health.setStatus(ALL, ServingStatus.SERVING);
        health.open();

        health.setStatus(ALL, ServingStatus.NOT_SERVING);

        assertThat(health.statusForService(ALL).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    }

    @Test
    void aServerThatNeverReportedIsNotStartedEvenOnceOpened() {
        GatedHealthStorage health = new GatedHealthStorage();
        health.open();

        assertThat(health.serverStarted()).isFalse();
        assertThat(health.statusForService(ALL).getStatus()).isNotEqualTo(ServingStatus.SERVING);
    }
}
