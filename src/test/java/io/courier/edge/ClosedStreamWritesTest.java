package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * gRPC Netty's WARNING for each stream a client closed while the node wrote to it is kept off the console (counted in
 * one bounded line); other stream errors and other loggers' records are not.
 */
class ClosedStreamWritesTest {
    private final ConsoleLogFilter console = new ConsoleLogFilter();

    private static LogRecord streamError(String logger, Http2Error kind) {
        LogRecord record = new LogRecord(Level.WARNING, "Stream Error");
        record.setLoggerName(logger);
        record.setThrown(Http2Exception.streamError(3, kind, "Stream closed before write could take place"));
        return record;
    }

    @Test
    void aWriteToAStreamTheClientClosedIsNotLoggedEachTime() {
        for (int i = 0; i < 1000; i++) {
            assertThat(console.isLoggable(streamError(ClosedStreamWrites.LOGGER, Http2Error.STREAM_CLOSED))).isFalse();
        }
    }

    @Test
    void otherStreamErrorsAndOtherLoggersStillPass() {
        assertThat(console.isLoggable(streamError(ClosedStreamWrites.LOGGER, Http2Error.PROTOCOL_ERROR))).isTrue();
        assertThat(console.isLoggable(streamError("io.courier.edge.FailureShield", Http2Error.STREAM_CLOSED)))
                .isTrue();
        LogRecord plain = new LogRecord(Level.WARNING, "Transport failed");
        plain.setLoggerName(ClosedStreamWrites.LOGGER);
        assertThat(console.isLoggable(plain)).isTrue();
    }
}
