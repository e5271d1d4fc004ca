package io.courier.local;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The embedded default: local Cassandra + S3Proxy started by the node itself. */
@ConfigMapping(prefix = "courier.local")
public interface LocalConfig {
    /** On by default; set false (COURIER_LOCAL_ENABLED=false) to use courier.cql.* and courier.s3.* instead. */
    @WithDefault("true")
    boolean enabled();

    /** Everything the local infrastructure stores lives under this folder. */
    @WithDefault("courier-data")
    String dataDir();

    /** JDK to run Cassandra with (5.0 needs 11 or 17); defaults to the java running the node. */
    Optional<String> javaHome();

    @WithDefault("180s")
    Duration startTimeout();
}
