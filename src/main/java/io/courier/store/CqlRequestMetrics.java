package io.courier.store;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
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
 * one node. Errors are also counted by exception class, and every request's statements by kind in
 * {@code courier.cql.statements}: {@code read} (SELECT), {@code write} (INSERT, UPDATE, DELETE) or {@code other}
 * (schema changes). A batch counts one write per partition it changes: that is what the database applies (one
 * mutation per partition, whatever its rows); {@code courier.cql.rows.written} counts its statements. Prepare
 * requests never reach a request tracker.
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
    private final Counter reads;
    private final Counter writes;
    private final Counter others;
    private final Counter rowsWritten;
    /** Kind of each prepared query, judged once: its text is the driver's own string, so its hash is cached. */
    private final Map<String, Counter> preparedKinds = new ConcurrentHashMap<>();

    public CqlRequestMetrics(MeterRegistry registry) {
        this.registry = registry;
        succeeded = requestTimer("success");
        failed = requestTimer("error");
        reads = statementCounter("read");
        writes = statementCounter("write");
        others = statementCounter("other");
        rowsWritten = Counter.builder("courier.cql.rows.written")
                .description("Statements of CQL writes: a batch counts each of its statements").register(registry);
    }

    private Timer requestTimer(String outcome) {
        return Timer.builder("courier.cql.requests")
                .description("CQL requests as the caller sees them, retries and throttler queueing included")
                .tag("outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
    }

    private Counter statementCounter(String kind) {
        return Counter.builder("courier.cql.statements")
                .description("CQL statements requested, by kind; a batch is one write per partition it changes")
                .tag("kind", kind).register(registry);
    }

    @Override
    public void onSuccess(Request request, long latencyNanos, DriverExecutionProfile profile, Node node,
            String logPrefix) {
        succeeded.record(latencyNanos, TimeUnit.NANOSECONDS);
        countStatements(request);
    }

    @Override
    public void onError(Request request, Throwable error, long latencyNanos, DriverExecutionProfile profile,
            Node node, String logPrefix) {
        failed.record(latencyNanos, TimeUnit.NANOSECONDS);
        countStatements(request);
        errors.computeIfAbsent(error.getClass().getSimpleName(), e -> Counter.builder("courier.cql.errors")
                .description("Failed CQL requests by exception class").tag("error", e).register(registry))
                .increment();
    }

    /** Once per request: retries and speculative executions are part of it, each further page is one of its own. */
    private void countStatements(Request request) {
        if (request instanceof BatchStatement batch) {
            writes.increment(partitions(batch)); // a batch holds only INSERT, UPDATE and DELETE
            rowsWritten.increment(batch.size());
            return;
        }
        Counter kind;
        if (request instanceof BoundStatement bound) {
            kind = preparedKinds.computeIfAbsent(bound.getPreparedStatement().getQuery(), this::kindOf);
        } else if (request instanceof SimpleStatement simple) {
            // Not cached: a simple statement's text may carry its values, so the map could grow without bound.
            kind = kindOf(simple.getQuery());
        } else {
            kind = others;
        }
        kind.increment();
        if (kind == writes) {
            rowsWritten.increment();
        }
    }

    /** Distinct (table, partition key) pairs of a batch's prepared statements; any other statement counts alone. */
    private static int partitions(BatchStatement batch) {
        Set<Object> partitions = new HashSet<>();
        int unkeyed = 0;
        for (BatchableStatement<?> statement : batch) {
            ByteBuffer key = statement.getRoutingKey();
            if (statement instanceof BoundStatement bound && key != null
                    && bound.getPreparedStatement().getVariableDefinitions().size() > 0) {
                partitions.add(List.of(bound.getPreparedStatement().getVariableDefinitions().get(0).getTable(), key));
            } else {
                unkeyed++;
            }
        }
        return partitions.size() + unkeyed;
    }

    private Counter kindOf(String query) {
        String text = query.stripLeading();
        if (startsWith(text, "SELECT")) {
            return reads;
        }
        boolean write = startsWith(text, "INSERT") || startsWith(text, "UPDATE") || startsWith(text, "DELETE");
        return write ? writes : others;
    }

    /** Ignoring case, as CQL keywords do. */
    private static boolean startsWith(String text, String keyword) {
        return text.regionMatches(true, 0, keyword, 0, keyword.length());
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
