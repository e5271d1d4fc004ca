package io.courier.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Asserts that a call fails with a given gRPC status. */
public final class Statuses {
    private Statuses() {
    }

    /** @return the status description, for asserting that the message says what is wrong */
    public static String assertStatus(Status.Code expected, ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("call should fail with " + expected).isInstanceOf(StatusRuntimeException.class);
        Status status = ((StatusRuntimeException) thrown).getStatus();
        assertThat(status.getCode()).as("status of: " + status.getDescription()).isEqualTo(expected);
        assertThat(status.getDescription()).as("a message that says what is wrong").isNotBlank();
        return status.getDescription();
    }
}
