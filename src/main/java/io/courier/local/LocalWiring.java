package io.courier.local;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import io.courier.common.Futures;
import io.quarkus.runtime.Startup;

/**
 * Starts the local infrastructure when it is enabled, and stops it with the node. Created first of all startup beans
 * and starting in the background, so the cluster member and the rest of the node come up while Cassandra does.
 * Consumers ask for {@link #endpoints()} (which waits for the start) or {@link #started()} and fall back to their own
 * configuration when it is empty.
 */
@Singleton
@Startup(LocalWiring.STARTUP_PRIORITY)
public class LocalWiring {
    /** Before every other startup bean (the default priority is 2500; lower runs earlier). */
    public static final int STARTUP_PRIORITY = 100;

    /** Completed with null when the local infrastructure is disabled. */
    private final CompletableFuture<LocalInfrastructure> infrastructure;

    LocalWiring(LocalConfig config) {
        if (!config.enabled()) {
            infrastructure = CompletableFuture.completedFuture(null);
            return;
        }
        Path java = config.javaHome().map(home -> Path.of(home, "bin", "java"))
                .orElseGet(LocalInfrastructure::currentJava);
        infrastructure = new CompletableFuture<>();
        Thread starter = new Thread(() -> {
            try {
                infrastructure.complete(
                        LocalInfrastructure.start(Path.of(config.dataDir()), java, config.startTimeout()));
            } catch (RuntimeException | Error e) {
                infrastructure.completeExceptionally(e);
            }
        }, "courier-local-infra-start");
        starter.setDaemon(true);
        starter.start();
    }

    /** Waits for the start; throws what made it fail. */
    public Optional<LocalEndpoints> endpoints() {
        return Futures.join(started());
    }

    /** The endpoints once the start is done, for a consumer that must not block on it; fails as the start did. */
    public CompletableFuture<Optional<LocalEndpoints>> started() {
        return infrastructure.thenApply(infra -> Optional.ofNullable(infra).map(LocalInfrastructure::endpoints));
    }

    /** A start still under way is waited for, so its children are stopped too. */
    @PreDestroy
    void stop() {
        LocalInfrastructure started = infrastructure.handle((infra, failed) -> infra).join();
        if (started != null) {
            started.close();
        }
    }
}
