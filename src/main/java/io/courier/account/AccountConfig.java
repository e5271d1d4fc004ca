package io.courier.account;

import java.time.Duration;

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

    /** How verification codes reach phones: "log" (local runs: the code is logged) or a CDI bean's name. */
    @WithDefault("log")
    String verificationSender();

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
