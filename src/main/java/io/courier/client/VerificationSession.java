package io.courier.client;

import java.time.Duration;

import com.google.protobuf.ByteString;

/**
 * A verification code request's session: register with the code that reached {@code phoneNumber} and this session,
 * which only its holder has (guesses in other sessions can't spend its attempts).
 */
public record VerificationSession(String phoneNumber, ByteString id, Duration expiresIn) {
}
