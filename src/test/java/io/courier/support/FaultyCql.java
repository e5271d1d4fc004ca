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
 * a database node times out. Unarmed, it changes nothing.
 */
@Alternative
@Priority(1)
@Singleton
public class FaultyCql extends Cql {
    private final AtomicReference<Predicate<String>> nextFailure = new AtomicReference<>();

    FaultyCql(CqlSession session) {
        super(session);
    }

    /** Fails the next write whose CQL text matches {@code query}. */
    public void failNextWrite(Predicate<String> query) {
        nextFailure.set(query);
    }

    @Override
    public Mono<Void> write(Statement<?> statement) {
        Predicate<String> armed = nextFailure.get();
        if (armed != null && statement instanceof BoundStatement bound
                && armed.test(bound.getPreparedStatement().getQuery()) && nextFailure.compareAndSet(armed, null)) {
            return Mono.error(new IllegalStateException("injected write failure"));
        }
        return super.write(statement);
    }
}
