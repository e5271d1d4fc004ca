package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.common.Ids;
import io.courier.store.Cql;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * OutgoingMessage.expire_after_seconds: the server keeps a disappearing message's stored copies no longer than its
 * timer (the log row's TTL) and drops a copy its device didn't get in time instead of delivering it.
 */
@QuarkusTest
class DisappearingMessagesTest extends ServerTest {
    @Inject
    Cql cql;

    private static ConnectRequest send(Participant to, String text, int expireAfterSeconds) {
        ConnectRequest frame = sendFrame(clientId(), to,
                text.getBytes(StandardCharsets.UTF_8));
        return frame.toBuilder().setSend(frame.getSend().toBuilder().setExpireAfterSeconds(expireAfterSeconds))
                .build();
    }

    /** The TTLs of the device's log rows, oldest first. */
    private List<Integer> logTtls(Participant device) {
        return cql.session().execute(SimpleStatement.newInstance("SELECT TTL(server_ts) FROM device_log"
                + " WHERE account_id = ? AND device_id = ? ALLOW FILTERING", Ids.uuid(device.accountId(), "account"),
                device.deviceId())).all().stream().map(row -> row.getInt(0)).toList();
    }

    @Test
    void aDisappearingMessageIsStoredNoLongerThanItsTimerAndNotDeliveredAfterIt() {
        Participant alice = participant();
        Participant bob = participant(); // offline while Alice sends
        long stays;
        long goes;
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(send(bob, "for a minute", 60));
            goes = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
            a.send(send(bob, "for a day", 86_400));
            stays = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
        }
        assertThat(logTtls(bob)).hasSize(2).satisfies(ttls -> {
            assertThat(ttls.get(0)).isBetween(1, 60);
            assertThat(ttls.get(1)).isBetween(86_400 - 60, 86_400);
        });

        clock.advance(Duration.ofSeconds(61));

        try (RawStream b = connect(bob)) {
            List<ConnectResponse> queued = b.drain();
            assertThat(queued).extracting(f -> f.getDelivery().getServerId()).containsExactly(stays);
            assertThat(queued.get(0).getDelivery().getCiphertext().toStringUtf8()).isEqualTo("for a day");
            assertThat(goes).isLessThan(stays);
        }
    }

    @Test
    void aTimerBeyondTheRetentionKeepsTheMessageTheWholeRetention() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(send(bob, "a year", 365 * 86_400));
            a.next(FrameCase.SEND_ACK);
        }
        assertThat(logTtls(bob)).singleElement().satisfies(ttl -> assertThat(ttl)
                .isGreaterThan((int) MessageExpiry.RETENTION.toSeconds() - 60));
    }
}
