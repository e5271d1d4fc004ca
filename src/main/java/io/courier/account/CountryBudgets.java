package io.courier.account;

import java.time.Duration;
import java.util.Map;

import io.courier.cluster.RateLimit;

/** The SMS budget of each country calling code: one default, overridden for the countries that need more (or less). */
record CountryBudgets(RateLimit standard, Map<Integer, RateLimit> overrides) {
    private static final String NAME = "verification codes sent to this country code";

    CountryBudgets {
        overrides = Map.copyOf(overrides);
    }

    /** A budget of {@code perHour} SMS, a full hour's worth available at once. */
    static RateLimit perHour(int perHour) {
        if (perHour < 1) {
            throw new IllegalArgumentException(NAME + ": at least 1 per hour");
        }
        return new RateLimit(NAME, perHour, Duration.ofHours(1).dividedBy(perHour));
    }

    RateLimit of(int countryCode) {
        return overrides.getOrDefault(countryCode, standard);
    }
}
