package io.courier.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Rows of one partition are written in batches bounded in rows and in bytes, on the real database: a device queue
 * spilling 64 messages of the largest envelope (96 KiB) at once used to send one 6 MB batch, which Cassandra refuses
 * (over its 4 MiB message limit) on every retry, so the items stayed in the members' memory for good.
 */
@QuarkusTest
class CqlBatchesTest extends ServerTest {
    private static final int LARGEST_ENVELOPE = 98_304;

    @Inject
    CqlSession session;

    @Test
    void rowsOfLargeCiphertextsAreWrittenInBatchesUnderTheByteBoundAndAllLand() {
        PreparedStatement insert = session.prepare("INSERT INTO device_log (account_id, device_id, bucket, seq,"
                + " ciphertext) VALUES (?, 1, 0, ?, ?)");
        UUID account = UUID.randomUUID();
        ByteBuffer ciphertext = ByteBuffer.wrap(new byte[LARGEST_ENVELOPE]);
        List<BoundStatement> rows = LongStream.range(0, Cql.BATCH_ROWS)
                .mapToObj(seq -> insert.bind(account, seq, ciphertext.duplicate())).toList();

        new Cql(session).writePartition(rows).block();

        long stored = session.execute(session.prepare("SELECT count(*) FROM device_log WHERE account_id = ?"
                + " AND device_id = 1 AND bucket = 0").bind(account)).one().getLong(0);
        assertThat(stored).isEqualTo(Cql.BATCH_ROWS);
        assertThat(Cql.batches(rows, session.getContext())).hasSizeGreaterThan(1)
                .allSatisfy(batch -> assertThat(batch.computeSizeInBytes(session.getContext()))
                        .isLessThanOrEqualTo(Cql.BATCH_BYTES + LARGEST_ENVELOPE));
    }

    @Test
    void smallRowsGoInBatchesOfAtMostTheRowBound() {
        PreparedStatement insert = session.prepare("INSERT INTO device_log (account_id, device_id, bucket, seq,"
                + " ciphertext) VALUES (?, 1, 0, ?, ?)");
        UUID account = UUID.randomUUID();
        List<BatchableStatement<?>> rows = LongStream.range(0, 2L * Cql.BATCH_ROWS + 1)
                .<BatchableStatement<?>>mapToObj(seq -> insert.bind(account, seq, ByteBuffer.wrap(new byte[16])))
                .toList();

        assertThat(Cql.batches(rows, session.getContext())).hasSize(3);
    }
}
