package io.courier.support;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Statement;

import io.courier.store.Cql;
import reactor.core.publisher.Mono;

/**
 * The real CQL session with one fault a test can arm: the next write whose query matches fails, as a write does when
 * a database node times out — before it was applied, or after (the client can't tell which). Unarmed, it changes
 * nothing.
 */
@Alternative
@Priority(1)
@Singleton
public class FaultyCql extends Cql {
    private record Fault(Predicate<String> query, boolean applied) {
    }

    private final AtomicReference<Fault> nextFailure = new AtomicReference<>();

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

    @Override
    public Mono<Void> write(Statement<?> statement) {
        Fault armed = nextFailure.get();
        if (armed != null && statement instanceof BoundStatement bound
                && armed.query().test(bound.getPreparedStatement().getQuery())
                && nextFailure.compareAndSet(armed, null)) {
            Mono<Void> failure = Mono.error(new IllegalStateException("injected write failure"));
            return armed.applied() ? super.write(statement).then(failure) : failure;
        }
        return super.write(statement);
    }
}
