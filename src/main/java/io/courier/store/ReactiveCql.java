package io.courier.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** CQL statements as Reactor publishers on the driver's async API: no thread waits for the database. */
public final class ReactiveCql {
    private ReactiveCql() {
    }

    /** Runs the statement when subscribed; emits its first page. */
    public static Mono<AsyncResultSet> execute(CqlSession session, Statement<?> statement) {
        return Mono.fromCompletionStage(() -> session.executeAsync(statement));
    }

    /** Every row of the result, fetching each further page only after the previous one was read. */
    public static Flux<Row> rows(CqlSession session, Statement<?> statement) {
        return execute(session, statement)
                .expand(page -> page.hasMorePages() ? Mono.fromCompletionStage(page::fetchNextPage) : Mono.empty())
                .concatMapIterable(AsyncResultSet::currentPage);
    }
}
