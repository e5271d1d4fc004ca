package io.courier.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.support.MemberProcess;
import io.courier.support.ServerTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;

/**
 * What the request tracker counts, on statements prepared by the real database: a batch is one write per partition
 * it changes (what the database applies), its rows are counted apart, and each statement is counted under its table.
 */
@QuarkusTest
class CqlRequestMetricsTest extends ServerTest {
    @Inject
    CqlSession session;

    @Test
    void aBatchCountsOneWritePerPartitionAndEveryRow() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CqlRequestMetrics metrics = new CqlRequestMetrics(registry);
        PreparedStatement insert = session.prepare("INSERT INTO sent_messages (account_id, device_id,"
                + " client_message_id, server_id, server_ts) VALUES (?, ?, ?, ?, toTimestamp(now()))");
        PreparedStatement select = session.prepare("SELECT server_id FROM sent_messages WHERE account_id = ?"
                + " AND device_id = ? AND client_message_id = ?");
        UUID one = UUID.randomUUID();
        UUID other = UUID.randomUUID();

        metrics.onSuccess(BatchStatement.newInstance(BatchType.UNLOGGED, insert.bind(one, 1, 1L, 1L),
                insert.bind(one, 1, 2L, 2L), insert.bind(one, 1, 3L, 3L)), 1, null, null, "");
        metrics.onSuccess(BatchStatement.newInstance(BatchType.UNLOGGED, insert.bind(one, 1, 4L, 4L),
                insert.bind(other, 1, 5L, 5L)), 1, null, null, "");
        metrics.onSuccess(insert.bind(other, 2, 6L, 6L), 1, null, null, "");
        metrics.onSuccess(select.bind(one, 1, 1L), 1, null, null, "");

        assertThat(count(registry, "write")).as("one partition, two partitions, one statement").isEqualTo(4);
        assertThat(registry.get("courier.cql.rows.written").counter().count()).isEqualTo(6);
        assertThat(count(registry, "read")).isEqualTo(1);
        assertThat(registry.get("courier.cql.statements").tag("kind", "write").tag("table", "sent_messages")
                .counter().count()).as("every write counted under its table").isEqualTo(4);
        assertThat(registry.get("courier.cql.statements").tag("kind", "read").tag("table", "sent_messages")
                .counter().count()).isEqualTo(1);
    }

    private static double count(SimpleMeterRegistry registry, String kind) {
        return MemberProcess.statements(registry, kind);
    }
}
