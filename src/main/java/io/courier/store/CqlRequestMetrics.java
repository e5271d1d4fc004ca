package io.courier.store;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.session.Request;
import com.datastax.oss.driver.api.core.tracker.RequestTracker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * CQL request latency into Micrometer. The Scylla driver 4.18.0.2 publishes no Micrometer metrics module on Maven
 * Central, so this request tracker records what its {@code cql-requests} (session) and {@code cql-messages} (node)
 * metrics would: {@code courier.cql.requests} is the whole request as the caller sees it (retries, speculative
 * executions and time queued in a request throttler included), {@code courier.cql.node.requests} one attempt on
 * one node. Errors are also counted by exception class.
 */
public final class CqlRequestMetrics implements RequestTracker {
    private final MeterRegistry registry;
    private final Timer succeeded;
    private final Timer failed;
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    /** Per node: the success and the error timer (built once; this runs on every request). */
    private final Map<Node, Timer[]> nodeTimers = new ConcurrentHashMap<>();
    private static final int SUCCESS = 0;
    private static final int ERROR = 1;

    public CqlRequestMetrics(MeterRegistry registry) {
        this.registry = registry;
        succeeded = requestTimer("success");
        failed = requestTimer("error");
    }

    private Timer requestTimer(String outcome) {
        return Timer.builder("courier.cql.requests")
                .description("CQL requests as the caller sees them, retries and throttler queueing included")
                .tag("outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
    }

    @Override
    public void onSuccess(Request request, long latencyNanos, DriverExecutionProfile profile, Node node,
            String logPrefix) {
        succeeded.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onError(Request request, Throwable error, long latencyNanos, DriverExecutionProfile profile,
            Node node, String logPrefix) {
        failed.record(latencyNanos, TimeUnit.NANOSECONDS);
        errors.computeIfAbsent(error.getClass().getSimpleName(), e -> Counter.builder("courier.cql.errors")
                .description("Failed CQL requests by exception class").tag("error", e).register(registry))
                .increment();
    }

    @Override
    public void onNodeSuccess(Request request, long latencyNanos, DriverExecutionProfile profile, Node node,
            String logPrefix) {
        if (node != null) {
            nodeTimers(node)[SUCCESS].record(latencyNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void onNodeError(Request request, Throwable error, long latencyNanos, DriverExecutionProfile profile,
            Node node, String logPrefix) {
        if (node != null) {
            nodeTimers(node)[ERROR].record(latencyNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Per node: count, sum and max only (no histogram), so a large cluster adds few series. */
    private Timer[] nodeTimers(Node node) {
        return nodeTimers.computeIfAbsent(node, n -> new Timer[] { nodeTimer(n, "success"), nodeTimer(n, "error") });
    }

    private Timer nodeTimer(Node node, String outcome) {
        String address = node.getEndPoint().toString().replaceFirst("^/", "");
        return Timer.builder("courier.cql.node.requests")
                .description("CQL request attempts on one node").tag("node", address).tag("outcome", outcome)
                .register(registry);
    }

    @Override
    public void close() {
        // meters stay in the registry; nothing to release
    }
}
