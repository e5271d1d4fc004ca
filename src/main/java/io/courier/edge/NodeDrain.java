package io.courier.edge;

import java.time.Duration;

import org.jboss.logging.Logger;

import reactor.core.publisher.Mono;

/**
 * Graceful shutdown (SIGTERM, a Kubernetes preStop): the node reports NOT_SERVING, admits no more streams, ends every
 * open stream once its in-flight frame is handled with "reconnect now" (devices move to another node at once and
 * drain their inboxes there), then leaves the Hazelcast cluster, so its partitions (presence, limits) migrate while
 * the node is still up instead of being recovered from backups after a crash.
 */
public final class NodeDrain {
    private static final Logger LOG = Logger.getLogger(NodeDrain.class);

    private final SessionRegistry sessions;
    private final Runnable stopServing;
    private final Runnable leaveCluster;
    private final Duration timeout;

    NodeDrain(SessionRegistry sessions, Runnable stopServing, Runnable leaveCluster, Duration timeout) {
        this.sessions = sessions;
        this.stopServing = stopServing;
        this.leaveCluster = leaveCluster;
        this.timeout = timeout;
    }

    /** Runs on the shutdown thread, which serves no request: it may wait (at most {@code timeout} for the streams). */
    void run() {
        long started = System.nanoTime();
        stopServing.run();
        int streams = sessions.openStreams();
        boolean complete = Boolean.TRUE.equals(sessions.drain().thenReturn(true)
                .timeout(timeout, Mono.just(false)).block());
        long drainedMillis = (System.nanoTime() - started) / 1_000_000;
        leaveCluster.run();
        if (complete) {
            LOG.infof("Drained %d streams in %d ms, then left the cluster", streams, drainedMillis);
        } else {
            LOG.warnf("Drain of %d streams not complete after %d ms (courier.edge.drain-timeout); left the cluster"
                    + " anyway: the rest end with the node and their devices reconnect with backoff", streams,
                    drainedMillis);
        }
    }
}
