package io.courier.account;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import io.courier.cluster.RateLimit;
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

    /** Wrong codes allowed per sent code before a new one must be requested. */
    @WithDefault("5")
    int verificationMaxAttempts();

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
        @WithDefault("3")
        int codeRequestsPerNumberBurst();

        @WithDefault("10m")
        Duration codeRequestsPerNumberRefill();

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

        /** Codes sent to numbers of one country calling code: SMS pumping targets one expensive destination. */
        @WithDefault("200")
        int codeSendsPerCountryBurst();

        @WithDefault("100ms")
        Duration codeSendsPerCountryRefill();

        /** Codes sent in all: the ceiling of the SMS bill. */
        @WithDefault("1000")
        int codeSendsGlobalBurst();

        @WithDefault("10ms")
        Duration codeSendsGlobalRefill();

        /** PIN guesses per number, right or wrong; counted before the PIN is hashed. */
        @WithDefault("5")
        int pinAttemptsPerNumberBurst();

        @WithDefault("4h")
        Duration pinAttemptsPerNumberRefill();

        @WithDefault("100")
        int lookupsPerAccountBurst();

        @WithDefault("1s")
        Duration lookupsPerAccountRefill();

        default RateLimit codeRequestsPerNumber() {
            return new RateLimit("verification code requests for this number", codeRequestsPerNumberBurst(),
                    codeRequestsPerNumberRefill());
        }

        default RateLimit codeRequestsPerPeer() {
            return new RateLimit("verification code requests from this address", codeRequestsPerPeerBurst(),
                    codeRequestsPerPeerRefill());
        }

        default RateLimit codeSendsPerCountry() {
            return new RateLimit("verification codes sent to this country code", codeSendsPerCountryBurst(),
                    codeSendsPerCountryRefill());
        }

        default RateLimit codeSendsGlobal() {
            return new RateLimit("verification codes sent to all numbers", codeSendsGlobalBurst(),
                    codeSendsGlobalRefill());
        }

        default RateLimit registrationsPerPeer() {
            return new RateLimit("registration attempts from this address", registrationsPerPeerBurst(),
                    registrationsPerPeerRefill());
        }

        default RateLimit linksPerPeer() {
            return new RateLimit("device link attempts from this address", linksPerPeerBurst(), linksPerPeerRefill());
        }

        default RateLimit pinAttemptsPerNumber() {
            return new RateLimit("registration lock PIN guesses for this number", pinAttemptsPerNumberBurst(),
                    pinAttemptsPerNumberRefill());
        }

        default RateLimit lookupsPerAccount() {
            return new RateLimit("account lookups", lookupsPerAccountBurst(), lookupsPerAccountRefill());
        }
    }
}
