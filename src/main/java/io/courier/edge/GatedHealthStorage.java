package io.courier.edge;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;

/**
 * The grpc.health.v1 statuses, held at NOT_SERVING until {@link NodeReadiness} opens them. Quarkus marks every
 * service SERVING as soon as the gRPC server listens, which is before the management interface is bound and before
 * the last startup checks ran; a probe must not send traffic to a node that is about to exit.
 */
@Alternative
@Priority(1)
@Singleton // no client proxy: the health endpoint calls package-private methods, which a proxy can't forward
public class GatedHealthStorage extends GrpcHealthStorage {
    private final Map<String, ServingStatus> wanted = new ConcurrentHashMap<>();
    private boolean open;

    @Override
    public synchronized void setStatus(String service, ServingStatus status) {
        wanted.put(service, status);
        super.setStatus(service, open ? status : ServingStatus.NOT_SERVING);
    }

    /** Whether the gRPC server reported that it listens (Quarkus only logs it when the bind fails). */
    synchronized boolean serverStarted() {
        return wanted.get(DEFAULT_SERVICE_NAME) == ServingStatus.SERVING;
    }

    /** Publishes what the server asked for; every later change goes straight through. */
    synchronized void open() {
        open = true;
        wanted.forEach(super::setStatus);
    }
}
