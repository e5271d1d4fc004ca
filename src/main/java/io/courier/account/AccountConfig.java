package io.courier.account;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.courier.cluster.Backoff;
import io.courier.cluster.RateLimit;
import io.courier.common.ConfigRefusal;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Registration, devices and their limits. */
@ConfigMapping(prefix = "courier.accounts")
public interface AccountConfig {
    /** Devices per account, primary included. */
    @WithDefault("6")
    int maxDevices();

    @WithDefault("10m")
    Duration verificationCodeTtl();

    /** Wrong codes allowed per sent code (per verification session) before a new one must be requested. */
    @WithDefault("5")
    int verificationMaxAttempts();

    /**
     * How long a session waits for its next guess after its 1st, 2nd... guess (the last repeats): typos stay free,
     * steady guessing slows down.
     */
    @WithDefault("0s,0s,30s,2m")
    List<Duration> verificationGuessDelays();

    /**
     * Refuse code requests without an attestation_token (checked by the {@link CodeRequestAttestation} bean, which
     * a deployment that sets this provides).
     */
    @WithDefault("false")
    boolean attestationRequired();

    @WithDefault("10m")
    Duration linkCodeTtl();

    /**
     * How verification codes reach phones: "log" (local runs only: the code is logged), "http" (an SMS provider's
     * HTTP API, see {@link #httpGateway()}) or a CDI bean's name.
     */
    @WithDefault("log")
    String verificationSender();

    /** Lets the "log" sender start outside dev, test and the embedded local run (it warns loudly). */
    @WithDefault("false")
    boolean allowLogSender();

    HttpGateway httpGateway();

    /**
     * How often each member finishes the account deletions a node left half done (after the marker), among those
     * started in the last three hours.
     */
    @WithDefault("1h")
    Duration deletionSweepInterval();

    /** How stale a device's last-seen time may get: it is written at most this often (on authentication). */
    @WithDefault("1d")
    Duration lastSeenRefresh();

    RegistrationLock registrationLock();

    /** The Registration Lock: how long it outlives an account's last activity and how its PIN is hashed. */
    interface RegistrationLock {
        /** Without activity of any of its devices for this long (plus last-seen-refresh), the lock lapses. */
        @WithDefault("7d")
        Duration inactivity();

        /** Argon2id memory per hash (OWASP's 19 MiB, 2 iterations, 1 lane profile by default). */
        @WithDefault("19456")
        int argon2MemoryKib();

        @WithDefault("2")
        int argon2Iterations();

        @WithDefault("1")
        int argon2Parallelism();

        /** Hashes computed at once per node; bounds their memory to this times argon2-memory-kib. */
        @WithDefault("2")
        int hashThreads();
    }

    interface HttpGateway {
        /** The gateway's endpoint; required when verification-sender=http. */
        Optional<URI> url();

        /** The Authorization header value, e.g. "Bearer …" (from a Secret, never logged). */
        Optional<String> authorization();

        @WithDefault("5s")
        Duration timeout();

        @WithDefault("3")
        int attempts();

        @WithDefault("500ms")
        Duration backoff();
    }

    Limits limits();

    interface Limits {
        /**
         * How long a number waits for its next code after its 1st, 2nd... code (the last repeats), whoever asked:
         * with max 5 guesses a code, this and {@link #codesPerNumberPerDay()} bound the guesses at a number.
         */
        @WithDefault("1m,5m,30m,2h,4h")
        List<Duration> codeDelaysPerNumber();

        /** Codes sent to one number in a day counted from its first. */
        @WithDefault("8")
        int codesPerNumberPerDay();

        @WithDefault("20")
        int codeRequestsPerPeerBurst();

        @WithDefault("1m")
        Duration codeRequestsPerPeerRefill();

        @WithDefault("20")
        int registrationsPerPeerBurst();

        @WithDefault("1m")
        Duration registrationsPerPeerRefill();

        @WithDefault("20")
        int linksPerPeerBurst();

        @WithDefault("1m")
        Duration linksPerPeerRefill();

        /** Link codes one account may create in a burst, then one per refill interval (each is a row until used). */
        @WithDefault("10")
        int linkCodesPerAccountBurst();

        @WithDefault("1m")
        Duration linkCodesPerAccountRefill();

        /**
         * SMS sent per hour to numbers of one country calling code (SMS pumping targets one expensive destination):
         * a country's real registrations plus headroom; raise busy countries with
         * {@link #codeSendsPerHourByCountry()}.
         */
        @WithDefault("200")
        int codeSendsPerCountryPerHour();

        /** Per country calling code ("44", "91"...), SMS per hour instead of the default. */
        Map<String, Integer> codeSendsPerHourByCountry();

        /** SMS sent per hour in all: the ceiling of the SMS bill. */
        @WithDefault("5000")
        int codeSendsGlobalPerHour();

        /** PIN guesses per number, right or wrong; counted before the PIN is hashed. */
        @WithDefault("5")
        int pinAttemptsPerNumberBurst();

        @WithDefault("4h")
        Duration pinAttemptsPerNumberRefill();

        /** Registration lock sets and clears per account (each set is an Argon2id hash), then one per refill. */
        @WithDefault("5")
        int lockChangesPerAccountBurst();

        @WithDefault("1h")
        Duration lockChangesPerAccountRefill();

        /**
         * Numbers one account may look up at once (a first address-book sync), then one per refill interval:
         * about 3,000 a day beyond the burst, where one a second allowed 86,400 (enumeration).
         */
        @WithDefault("2000")
        int lookupsPerAccountBurst();

        @WithDefault("30s")
        Duration lookupsPerAccountRefill();

        default Backoff codesPerNumber() {
            return new Backoff("verification codes sent to this number", codeDelaysPerNumber(),
                    codesPerNumberPerDay(), Duration.ofDays(1));
        }

        default RateLimit codeRequestsPerPeer() {
            return new RateLimit("verification code requests from this address", codeRequestsPerPeerBurst(),
                    codeRequestsPerPeerRefill());
        }

        /** The default budget of every country calling code, and the overrides by code. */
        default CountryBudgets codeSendsPerCountry() {
            Map<Integer, RateLimit> overrides = new TreeMap<>();
            codeSendsPerHourByCountry().forEach((code, perHour) -> overrides.put(Integer.valueOf(code),
                    CountryBudgets.perHour(perHour)));
            return new CountryBudgets(CountryBudgets.perHour(codeSendsPerCountryPerHour()), overrides);
        }

        default RateLimit codeSendsGlobal() {
            if (codeSendsGlobalPerHour() < 1) {
                throw new ConfigRefusal("courier.accounts.limits.code-sends-global-per-hour must be at least 1 (it is "
                        + codeSendsGlobalPerHour() + "): with none, no verification code could ever be sent");
            }
            return new RateLimit("verification codes sent to all numbers", codeSendsGlobalPerHour(),
                    Duration.ofHours(1).dividedBy(codeSendsGlobalPerHour()));
        }

        default RateLimit registrationsPerPeer() {
            return new RateLimit("registration attempts from this address", registrationsPerPeerBurst(),
                    registrationsPerPeerRefill());
        }

        default RateLimit linksPerPeer() {
            return new RateLimit("device link attempts from this address", linksPerPeerBurst(), linksPerPeerRefill());
        }

        default RateLimit linkCodesPerAccount() {
            return new RateLimit("link codes created by this account", linkCodesPerAccountBurst(),
                    linkCodesPerAccountRefill());
        }

        default RateLimit pinAttemptsPerNumber() {
            return new RateLimit("registration lock PIN guesses for this number", pinAttemptsPerNumberBurst(),
                    pinAttemptsPerNumberRefill());
        }

        default RateLimit lockChangesPerAccount() {
            return new RateLimit("registration lock changes by this account", lockChangesPerAccountBurst(),
                    lockChangesPerAccountRefill());
        }

        default RateLimit lookupsPerAccount() {
            return new RateLimit("account lookups", lookupsPerAccountBurst(), lookupsPerAccountRefill());
        }
    }
}
