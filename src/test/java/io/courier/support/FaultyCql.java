package io.courier.support;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;

import io.courier.store.Cql;
import reactor.core.publisher.Mono;

/**
 * The real CQL session with one fault a test can arm: the next write whose query matches fails, as a write does when
 * a database node times out — before it was applied, or after (the client can't tell which); or it waits for the
 * test's word, as a slow one does. Unarmed, it changes nothing.
 */
@Alternative
@Priority(1)
@Singleton
public class FaultyCql extends Cql {
    private record Fault(Predicate<String> query, boolean applied) {
    }

    /** {@code reached} completes when the held write is issued; it is written once {@code open} completes. */
    public record Hold(Predicate<String> query, CompletableFuture<Void> reached, CompletableFuture<Void> open) {
    }

    private final AtomicReference<Fault> nextFailure = new AtomicReference<>();
    private final AtomicReference<Hold> nextHold = new AtomicReference<>();
    private final AtomicReference<Predicate<String>> nextReadFailure = new AtomicReference<>();

    FaultyCql(CqlSession session) {
        super(session);
    }

    /** Fails the next write whose CQL text matches {@code query}, without applying it. */
    public void failNextWrite(Predicate<String> query) {
        nextFailure.set(new Fault(query, false));
    }

    /** Applies the next write whose CQL text matches {@code query}, then reports it failed. */
    public void failNextWriteAfterApplying(Predicate<String> query) {
        nextFailure.set(new Fault(query, true));
    }

    /** Holds the next write whose CQL text matches {@code query} until the returned hold's {@code open} completes. */
    public Hold holdNextWrite(Predicate<String> query) {
        Hold hold = new Hold(query, new CompletableFuture<>(), new CompletableFuture<>());
        nextHold.set(hold);
        return hold;
    }

    /** Fails the next single-row or first-page read whose CQL text matches {@code query}, as the driver would. */
    public void failNextRead(Predicate<String> query) {
        nextReadFailure.set(query);
    }

    @Override
    public <T> Mono<T> one(Statement<?> statement, Function<Row, T> mapper) {
        return failsRead(statement) ? Mono.error(readFailure()) : super.one(statement, mapper);
    }

    @Override
    public <T> Mono<List<T>> firstPage(Statement<?> statement, Function<Row, T> mapper) {
        return failsRead(statement) ? Mono.error(readFailure()) : super.firstPage(statement, mapper);
    }

    private boolean failsRead(Statement<?> statement) {
        Predicate<String> armed = nextReadFailure.get();
        return armed != null && statement instanceof BoundStatement bound
                && armed.test(bound.getPreparedStatement().getQuery()) && nextReadFailure.compareAndSet(armed, null);
    }

    /** Worded like the driver's own failures, node address included: it must never reach a client. */
    private static RuntimeException readFailure() {
        return new IllegalStateException("All 1 node(s) tried for the query failed: Node(endPoint=/10.9.8.7:9042)");
    }

    @Override
    public Mono<Void> write(Statement<?> statement) {
        Fault armed = nextFailure.get();
        if (armed != null && statement instanceof BoundStatement bound
                && armed.query().test(bound.getPreparedStatement().getQuery())
                && nextFailure.compareAndSet(armed, null)) {
            Mono<Void> failure = Mono.error(new IllegalStateException("injected write failure"));
            return armed.applied() ? super.write(statement).then(failure) : failure;
        }
        Hold hold = nextHold.get();
        if (hold != null && statement instanceof BoundStatement bound
                && hold.query().test(bound.getPreparedStatement().getQuery()) && nextHold.compareAndSet(hold, null)) {
            return Mono.defer(() -> {
                hold.reached().complete(null);
                return Mono.fromFuture(hold.open());
            }).then(Mono.defer(() -> super.write(statement)));
        }
        return super.write(statement);
    }
}
