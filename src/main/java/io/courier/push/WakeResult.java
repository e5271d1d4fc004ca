package io.courier.push;

/** What a push service answered to one wake-up. */
sealed interface WakeResult {
    /** Metric label of the outcome. */
    String outcome();

    record Accepted() implements WakeResult {
        @Override
        public String outcome() {
            return "accepted";
        }
    }

    /** The token is dead (app uninstalled, token rotated, wrong app): it is removed. */
    record InvalidToken(String reason) implements WakeResult {
        @Override
        public String outcome() {
            return "invalid_token";
        }
    }

    /** Refused for another reason, or still failing after the retries: logged, the token stays. */
    record Failed(String reason) implements WakeResult {
        @Override
        public String outcome() {
            return "failed";
        }
    }
}
