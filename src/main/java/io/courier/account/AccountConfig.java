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

        default RateLimit lookupsPerAccount() {
            return new RateLimit("account lookups", lookupsPerAccountBurst(), lookupsPerAccountRefill());
        }
    }
}
