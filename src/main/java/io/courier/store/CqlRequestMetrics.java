package io.courier.store;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
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
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
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
 * (schema changes), tagged with the statement's table (which table takes the load, and its cost per message in the
 * benchmarks). A batch counts one write per partition it changes: that is what the database applies (one mutation
 * per partition, whatever its rows); {@code courier.cql.rows.written} counts its statements. Prepare requests never
 * reach a request tracker.
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
    private final Statements others;
    private final Counter rowsWritten;
    /** Per (kind, table): the tables are the schema's, so the series are few. */
    private final Map<List<String>, Counter> statements = new ConcurrentHashMap<>();
    /** Where each prepared query is counted, judged once (its text is the driver's own string: its hash is cached). */
    private final Map<String, Statements> preparedKinds = new ConcurrentHashMap<>();
    /**
     * Simple statements may carry their values in their text, so their table isn't read from it; nor has a prepared
     * statement without bound variables or result columns a table to read.
     */
    private static final String UNPREPARED = "unprepared";
    private static final String WRITE = "write";

    public CqlRequestMetrics(MeterRegistry registry) {
        this.registry = registry;
        succeeded = requestTimer("success");
        failed = requestTimer("error");
        others = new Statements(statementCounter("other", UNPREPARED), false);
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

    private Counter statementCounter(String kind, String table) {
        return statements.computeIfAbsent(List.of(kind, table), k -> Counter.builder("courier.cql.statements")
                .description("CQL statements requested, by kind and table; a batch is one write per partition it"
                        + " changes")
                .tag("kind", kind).tag("table", table).register(registry));
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
            // a batch holds only INSERT, UPDATE and DELETE
            partitionsByTable(batch).forEach((table, partitions) -> statementCounter(WRITE, table)
                    .increment(partitions));
            rowsWritten.increment(batch.size());
            return;
        }
        Statements kind;
        if (request instanceof BoundStatement bound) {
            PreparedStatement prepared = bound.getPreparedStatement();
            kind = preparedKinds.computeIfAbsent(prepared.getQuery(), query -> statementsOf(query, table(prepared)));
        } else if (request instanceof SimpleStatement simple) {
            kind = statementsOf(simple.getQuery(), UNPREPARED);
        } else {
            kind = others;
        }
        kind.counter().increment();
        if (kind.write()) {
            rowsWritten.increment();
        }
    }

    /** Where one statement is counted, and whether it writes a row. */
    private record Statements(Counter counter, boolean write) {
    }

    /** Per table, the distinct partition keys of a batch's prepared statements; any other statement counts alone. */
    private static Map<String, Integer> partitionsByTable(BatchStatement batch) {
        Map<String, Set<ByteBuffer>> partitions = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        for (BatchableStatement<?> statement : batch) {
            ByteBuffer key = statement.getRoutingKey();
            String table = statement instanceof BoundStatement bound ? table(bound.getPreparedStatement()) : UNPREPARED;
            if (key != null && !table.equals(UNPREPARED)) {
                if (partitions.computeIfAbsent(table, t -> new HashSet<>()).add(key)) {
                    counts.merge(table, 1, Integer::sum);
                }
            } else {
                counts.merge(table, 1, Integer::sum);
            }
        }
        return counts;
    }

    /** The table of a prepared statement's first bound variable (or result column), else "unprepared". */
    private static String table(PreparedStatement prepared) {
        if (prepared.getVariableDefinitions().size() > 0) {
            return prepared.getVariableDefinitions().get(0).getTable().asInternal();
        }
        if (prepared.getResultSetDefinitions().size() > 0) {
            return prepared.getResultSetDefinitions().get(0).getTable().asInternal();
        }
        return UNPREPARED;
    }

    private Statements statementsOf(String query, String table) {
        String text = query.stripLeading();
        if (startsWith(text, "SELECT")) {
            return new Statements(statementCounter("read", table), false);
        }
        boolean write = startsWith(text, "INSERT") || startsWith(text, "UPDATE") || startsWith(text, "DELETE");
        return new Statements(statementCounter(write ? WRITE : "other", table), write);
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
