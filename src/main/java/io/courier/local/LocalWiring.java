package io.courier.local;

import java.nio.file.Path;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

/**
 * Starts the local infrastructure on first use when it is enabled, and stops it with the node. Consumers ask for
 * {@link #endpoints()} and fall back to their own configuration when it is empty.
 */
@Singleton
public class LocalWiring {
    private final LocalConfig config;
    private LocalInfrastructure infrastructure;

    LocalWiring(LocalConfig config) {
        this.config = config;
    }

    public synchronized Optional<LocalEndpoints> endpoints() {
        if (!config.enabled()) {
            return Optional.empty();
        }
        if (infrastructure == null) {
            Path java = config.javaHome().map(home -> Path.of(home, "bin", "java"))
                    .orElseGet(LocalInfrastructure::currentJava);
            infrastructure = LocalInfrastructure.start(Path.of(config.dataDir()), java, config.startTimeout());
        }
        return Optional.of(infrastructure.endpoints());
    }

    @PreDestroy
    synchronized void stop() {
        if (infrastructure != null) {
            infrastructure.close();
        }
    }
}
