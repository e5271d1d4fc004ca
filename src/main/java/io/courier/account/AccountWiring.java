package io.courier.account;

import java.time.Clock;
import java.util.List;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.literal.NamedLiteral;
import jakarta.inject.Singleton;

import com.datastax.oss.driver.api.core.CqlSession;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.PartitionService;

import io.courier.cluster.BackoffLimiter;
import io.courier.cluster.OwnerSweep;
import io.courier.cluster.RateLimiter;
import io.courier.local.LocalConfig;
import io.courier.common.CredentialVerifier;
import io.courier.store.BaselineTables;
import io.quarkus.arc.All;
import io.quarkus.arc.DefaultBean;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import reactor.core.scheduler.Schedulers;
import io.courier.common.ConfigRefusal;

/** CDI wiring of the account capability. */
public class AccountWiring {
    /**
     * Hashes running or waiting for a thread; beyond it a call is refused RESOURCE_EXHAUSTED before it spends any
     * budget, instead of piling up. The scheduler queues this many per thread, so it never rejects one itself.
     */
    private static final int PIN_HASH_SLOTS = 1000;

    @Produces
    BaselineTables schema() {
        return AccountSchema.TABLES;
    }

    /** Every code request passes unless the deployment adds its own {@link CodeRequestAttestation} bean. */
    @Produces
    @Singleton
    @DefaultBean
    CodeRequestAttestation codeRequestAttestation() {
        return CodeRequestAttestation.ACCEPT_ALL;
    }

    @Produces
    @Singleton
    DeviceStore deviceStore(CqlSession session) {
        return new DeviceStore(session);
    }

    @Produces
    @Singleton
    CredentialVerifier credentialVerifier(DeviceStore devices, Clock clock, AccountConfig config) {
        return new DeviceAuthenticator(devices, clock, config.lastSeenRefresh());
    }

    /** Argon2id on a few threads of its own: CPU- and memory-heavy, never on a transport or driver thread. */
    @Produces
    @Singleton
    PinHasher pinHasher(AccountConfig config) {
        AccountConfig.RegistrationLock lock = config.registrationLock();
        return new PinHasher(new PinHasher.Params(lock.argon2MemoryKib(), lock.argon2Iterations(),
                lock.argon2Parallelism()), Schedulers.newBoundedElastic(lock.hashThreads(), PIN_HASH_SLOTS,
                "courier-pin-hash"), PIN_HASH_SLOTS);
    }

    void stopPinHasher(@Disposes PinHasher hasher) {
        hasher.close();
    }

    /** The configured sender: "log", "http", or the name of a {@link VerificationCodeSender} bean. */
    @Produces
    @Singleton
    @DefaultBean
    VerificationCodeSender verificationCodeSender(AccountConfig config, LocalConfig local,
            @Any Instance<VerificationCodeSender> beans) {
        String sender = config.verificationSender();
        if ("log".equals(sender)) {
            return LoggingVerificationCodeSender.guarded(LaunchMode.current().isDevOrTest() || local.enabled(),
                    config.allowLogSender());
        }
        if ("http".equals(sender)) {
            AccountConfig.HttpGateway http = config.httpGateway();
            return new HttpGatewaySender(new HttpGatewaySender.Settings(http.url().orElseThrow(
                    () -> new ConfigRefusal("courier.accounts.http-gateway.url is required for the http sender")),
                    http.authorization(), http.timeout(), http.attempts(), http.backoff()));
        }
        Instance<VerificationCodeSender> named = beans.select(NamedLiteral.of(sender));
        if (!named.isResolvable()) {
            throw new ConfigRefusal("courier.accounts.verification-sender=" + sender
                    + " names no VerificationCodeSender bean; use 'log', 'http' or add one");
        }
        return named.get();
    }

    @Produces
    @Singleton
    CurrentDevices currentDevices(DeviceStore devices, HazelcastInstance hazelcast) {
        return new CurrentDevices(devices, hazelcast);
    }

    @Produces
    @Singleton
    VerificationCodeStore verificationCodeStore(CqlSession session) {
        return new VerificationCodeStore(session);
    }

    /** Built at startup: preparing its statements must not happen on a transport thread at the first call. */
    @Produces
    @Singleton
    @Startup
    AccountRegistry registry(CqlSession session, DeviceStore devices, VerificationCodeStore codes,
            VerificationCodeSender sender, CodeRequestAttestation attestation, RateLimiter limiter,
            BackoffLimiter backoffs, AccountConfig config, Clock clock, @All List<DeviceRemovalListener> listeners,
            @All List<AccountDeletionListener> deletionListeners, @All List<DeviceLinkListener> linkListeners,
            CurrentDevices current, PinHasher pins) {
        PhoneVerification verification = new PhoneVerification(codes, sender, attestation, limiter, backoffs,
                CodeSendLimits.of(config.limits()), VerificationPolicy.of(config), clock);
        return new AccountRegistry(new PhoneDirectory(session), devices, verification, new LinkCodeStore(session),
                limiter, config, clock, listeners, deletionListeners, linkListeners, current,
                new RegistrationLocks(devices, pins, limiter, config, clock));
    }

    /** Every member, every {@code deletion-sweep-interval}: the deletions of the accounts whose partition it owns. */
    @Produces
    @Singleton
    @Startup
    DeletionSweep deletionSweep(DeviceStore devices, AccountRegistry registry, HazelcastInstance hazelcast,
            AccountConfig config, Clock clock) {
        PartitionService partitions = hazelcast.getPartitionService();
        DeletionSweep sweep = new DeletionSweep(devices, registry::finishIfMarked, account -> {
            Member owner = partitions.getPartition(account).getOwner();
            return owner != null && owner.localMember();
        }, clock);
        OwnerSweep.every(hazelcast, "courier-deletion-sweep", config.deletionSweepInterval(),
                () -> sweep.sweep().then());
        return sweep;
    }
}
