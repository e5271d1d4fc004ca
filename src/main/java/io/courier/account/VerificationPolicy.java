package io.courier.account;

import java.time.Duration;
import java.util.List;

/**
 * How a verification session behaves: its code's lifetime and attempts, the back-off between its guesses, and
 * whether a code request needs an attestation token.
 */
record VerificationPolicy(Duration codeTtl, int maxAttempts, List<Duration> guessDelays, boolean attestationRequired) {
    VerificationPolicy {
        guessDelays = List.copyOf(guessDelays);
        if (guessDelays.isEmpty()) {
            throw new IllegalArgumentException("verification-guess-delays needs at least one duration");
        }
    }

    static VerificationPolicy of(AccountConfig config) {
        return new VerificationPolicy(config.verificationCodeTtl(), config.verificationMaxAttempts(),
                config.verificationGuessDelays(), config.attestationRequired());
    }

    /** How long a session waits after its {@code guesses}-th guess (1-based; the last delay repeats). */
    Duration delayAfter(int guesses) {
        return guessDelays.get(Math.min(guesses, guessDelays.size()) - 1);
    }
}
