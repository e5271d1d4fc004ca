package io.courier.edge;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Device streams: window, liveness, workers. */
@ConfigMapping(prefix = "courier.edge")
public interface EdgeConfig {
    /** Deliveries a device may have un-acked at once (Signal uses 256); the rest waits in its inbox. */
    @WithDefault("256")
    int window();

    /** How often streams are checked for silence; clients ping at about this interval. */
    @WithDefault("60s")
    Duration pingInterval();

    /** Intervals of silence after which a stream is closed and its presence removed. */
    @WithDefault("3")
    int silentIntervals();

    /**
     * Threads that run the streams' database work (each stream's work stays in order on one at a time). They mostly
     * wait on the database, so there are many more than cores.
     */
    @WithDefault("128")
    int streamThreads();
}
