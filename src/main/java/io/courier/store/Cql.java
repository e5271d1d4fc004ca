package io.courier.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.context.DriverContext;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The session with the shapes of result the stores need, on {@link ReactiveCql}: nothing waits on a round trip. */
public class Cql {
    /** Rows per batch of {@link #writePartition} (with {@link #BATCH_BYTES}, the other bound). */
    public static final int BATCH_ROWS = 64;
    /**
     * Bytes per batch of {@link #writePartition} (a larger row goes alone): well under the size limit of one CQL
     * message (4 MiB on the embedded Cassandra; ScyllaDB's is larger).
     */
    public static final int BATCH_BYTES = 1 << 20;
    private final CqlSession session;

    public Cql(CqlSession session) {
        this.session = session;
    }

    public CqlSession session() {
        return session;
    }

    /** Runs a write (or any statement whose rows don't matter). */
    public Mono<Void> write(Statement<?> statement) {
        return ReactiveCql.execute(session, statement).then();
    }

    /**
     * Writes rows of one partition: one statement alone, more in unlogged batches of at most {@link #BATCH_ROWS}
     * rows and {@link #BATCH_BYTES} bytes (each one mutation of the partition, and under Cassandra's batch size
     * limits), in parallel.
     */
    public Mono<Void> writePartition(List<? extends BatchableStatement<?>> rows) {
        return Flux.fromIterable(batches(rows, session.getContext())).flatMap(this::write).then();
    }

    /**
     * Rows in order, cut into batches of at most {@link #BATCH_ROWS} rows and {@link #BATCH_BYTES} bytes (a row
     * larger than that alone). The byte bound matters where rows carry ciphertexts: 64 envelopes of 96 KiB in one
     * message exceed the server's message size limit, and such a write fails every time it is retried.
     */
    static List<Statement<?>> batches(List<? extends BatchableStatement<?>> rows, DriverContext context) {
        List<Statement<?>> batches = new ArrayList<>();
        List<BatchableStatement<?>> batch = new ArrayList<>();
        long bytes = 0;
        for (BatchableStatement<?> row : rows) {
            int size = row.computeSizeInBytes(context);
            if (!batch.isEmpty() && (batch.size() == BATCH_ROWS || bytes + size > BATCH_BYTES)) {
                batches.add(batchOf(batch));
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(row);
            bytes += size;
        }
        if (!batch.isEmpty()) {
            batches.add(batchOf(batch));
        }
        return batches;
    }

    private static Statement<?> batchOf(List<BatchableStatement<?>> rows) {
        return rows.size() == 1 ? rows.get(0) : BatchStatement.newInstance(BatchType.UNLOGGED, rows);
    }

    /** The first row, mapped; empty if there is none. */
    public <T> Mono<T> one(Statement<?> statement, Function<Row, T> mapper) {
        return ReactiveCql.execute(session, statement)
                .flatMap(rs -> Mono.justOrEmpty(Optional.ofNullable(rs.one()).map(mapper)));
    }

    /** Every row of the first page, mapped; callers bound the page with LIMIT. */
    public <T> Mono<List<T>> firstPage(Statement<?> statement, Function<Row, T> mapper) {
        return ReactiveCql.execute(session, statement).map(rs -> rows(rs, mapper));
    }

    private static <T> List<T> rows(AsyncResultSet rs, Function<Row, T> mapper) {
        List<T> out = new ArrayList<>(rs.remaining());
        for (Row row : rs.currentPage()) {
            out.add(mapper.apply(row));
        }
        return out;
    }
}
