package io.courier.keys;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.GetPreKeyBundleRequest;
import io.courier.api.v1.GetPreKeyCountRequest;
import io.courier.api.v1.PreKeyBundle;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.courier.support.SignalDevice;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class PreKeyBundleTest extends ServerTest {
    @Inject
    KeysConfig config;

    private static GetPreKeyBundleRequest bundleOf(RegisteredDevice target, int deviceId) {
        return GetPreKeyBundleRequest.newBuilder().setAccountId(target.accountId()).setDeviceId(deviceId).build();
    }

    @Test
    void aFetchHandsOutOneTimeKeysOnceAndFallsBackToTheLastResortKyberKey() {
        RegisteredDevice target = registerNew();
        SignalDevice signal = new SignalDevice();
        var upload = signal.fullUpload(2, 1);
        keys(target).uploadKeys(upload);
        RegisteredDevice fetcher = registerNew();

        PreKeyBundle first = keys(fetcher).getPreKeyBundle(bundleOf(target, 1)).getBundles(0);
        PreKeyBundle second = keys(fetcher).getPreKeyBundle(bundleOf(target, 1)).getBundles(0);
        PreKeyBundle third = keys(fetcher).getPreKeyBundle(bundleOf(target, 1)).getBundles(0);

        assertThat(first.getIdentityKey()).isEqualTo(signal.identityKey());
        assertThat(first.getRegistrationId()).isEqualTo(signal.registrationId());
        assertThat(first.getSignedPreKey()).isEqualTo(upload.getSignedPreKey());
        assertThat(List.of(first.getOneTimePreKey(), second.getOneTimePreKey()))
                .containsExactlyInAnyOrderElementsOf(upload.getOneTimePreKeysList());
        assertThat(third.hasOneTimePreKey()).as("no one-time EC key left").isFalse();
        assertThat(first.getKyberPreKey()).isEqualTo(upload.getKyberPreKeys(0));
        assertThat(first.getKyberLastResort()).isFalse();
        assertThat(second.getKyberPreKey()).isEqualTo(upload.getKyberLastResortPreKey());
        assertThat(second.getKyberLastResort()).isTrue();
        var counts = keys(target).getPreKeyCount(GetPreKeyCountRequest.getDefaultInstance());
        assertThat(counts.getOneTimePreKeyCount()).isZero();
        assertThat(counts.getKyberPreKeyCount()).isZero();
    }

    @Test
    void fetchingAllDevicesReturnsOneBundlePerDeviceWithKeys() {
        RegisteredDevice primary = registerNew();
        RegisteredDevice laptop = link(primary, "laptop");
        link(primary, "never uploaded keys");
        SignalDevice primaryKeys = new SignalDevice();
        keys(primary).uploadKeys(primaryKeys.fullUpload(3, 3));
        keys(laptop).uploadKeys(new SignalDevice(primaryKeys.identityKeyPair()).fullUpload(3, 3));
        RegisteredDevice fetcher = registerNew();

        var bundles = keys(fetcher).getPreKeyBundle(bundleOf(primary, 0)).getBundlesList();

        assertThat(bundles).extracting(PreKeyBundle::getDeviceId).containsExactly(1, 2);
        assertThat(bundles).allSatisfy(b -> assertThat(b.hasOneTimePreKey()).isTrue());
    }

    @Test
    void unknownTargetsAreNotFoundAndBadIdsInvalid() {
        RegisteredDevice fetcher = registerNew();
        RegisteredDevice withoutKeys = registerNew();

        assertStatus(Status.Code.NOT_FOUND, () -> keys(fetcher).getPreKeyBundle(bundleOf(withoutKeys, 0)));
        assertStatus(Status.Code.NOT_FOUND, () -> keys(fetcher).getPreKeyBundle(bundleOf(withoutKeys, 7)));
        assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> keys(fetcher).getPreKeyBundle(GetPreKeyBundleRequest.getDefaultInstance()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> keys(fetcher).getPreKeyBundle(
                GetPreKeyBundleRequest.newBuilder().setAccountId(fetcher.accountId().substring(0, 8)).build()));
    }

    @Test
    void revokingADeviceRemovesItsKeys() {
        RegisteredDevice primary = registerNew();
        RegisteredDevice laptop = link(primary, "laptop");
        SignalDevice primaryKeys = new SignalDevice();
        keys(primary).uploadKeys(primaryKeys.fullUpload(3, 3));
        keys(laptop).uploadKeys(new SignalDevice(primaryKeys.identityKeyPair()).fullUpload(3, 3));
        RegisteredDevice fetcher = registerNew();
        assertThat(keys(fetcher).getPreKeyBundle(bundleOf(primary, 2)).getBundlesCount()).isEqualTo(1);

        accounts(primary).revokeDevice(
                io.courier.api.v1.RevokeDeviceRequest.newBuilder().setDeviceId(laptop.deviceId()).build());

        assertStatus(Status.Code.NOT_FOUND, () -> keys(fetcher).getPreKeyBundle(bundleOf(primary, 2)));
    }

    @Test
    void concurrentFetchersNeverShareAOneTimeKey() throws Exception {
        int keysUploaded = 30;
        int fetchers = 40;
        RegisteredDevice target = registerNew();
        keys(target).uploadKeys(new SignalDevice().fullUpload(keysUploaded, keysUploaded));
        List<RegisteredDevice> requesters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            requesters.add(registerNew());
        }

        ExecutorService pool = Executors.newFixedThreadPool(fetchers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<PreKeyBundle>> results = new ArrayList<>();
        try {
            for (int i = 0; i < fetchers; i++) {
                RegisteredDevice requester = requesters.get(i % requesters.size());
                Callable<PreKeyBundle> fetch = () -> {
                    start.await();
                    return keys(requester).getPreKeyBundle(bundleOf(target, 1)).getBundles(0);
                };
                results.add(pool.submit(fetch));
            }
            start.countDown();
            List<Integer> ecIds = new ArrayList<>();
            List<Integer> kyberIds = new ArrayList<>();
            for (Future<PreKeyBundle> result : results) {
                PreKeyBundle bundle = result.get();
                if (bundle.hasOneTimePreKey()) {
                    ecIds.add(bundle.getOneTimePreKey().getKeyId());
                }
                if (!bundle.getKyberLastResort()) {
                    kyberIds.add(bundle.getKyberPreKey().getKeyId());
                }
            }

            assertThat(new HashSet<>(ecIds)).as("no EC one-time key handed out twice").hasSize(ecIds.size());
            assertThat(new HashSet<>(kyberIds)).as("no Kyber one-time key handed out twice").hasSize(kyberIds.size());
            var counts = keys(target).getPreKeyCount(GetPreKeyCountRequest.getDefaultInstance());
            assertThat(ecIds.size() + counts.getOneTimePreKeyCount()).isLessThanOrEqualTo(keysUploaded);
            assertThat(kyberIds.size() + counts.getKyberPreKeyCount()).isLessThanOrEqualTo(keysUploaded);
            assertThat(ecIds).as("fetchers got keys while keys were left").isNotEmpty();
            Set<Integer> remainingAfterAll = new HashSet<>();
            for (int i = 0; i < counts.getOneTimePreKeyCount(); i++) {
                PreKeyBundle drain = keys(requesters.get(0)).getPreKeyBundle(bundleOf(target, 1)).getBundles(0);
                remainingAfterAll.add(drain.getOneTimePreKey().getKeyId());
            }
            assertThat(remainingAfterAll).doesNotContainAnyElementsOf(ecIds);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void bundleFetchesAreRateLimitedPerRequester() {
        int burst = setting("courier.keys.bundle-fetch-burst");
        int perTarget = setting("courier.keys.bundle-fetch-per-target-burst");
        List<RegisteredDevice> targets = new ArrayList<>();
        for (int i = 0; i * perTarget < burst; i++) {
            RegisteredDevice target = registerNew();
            keys(target).uploadKeys(new SignalDevice().fullUpload(1, 1));
            targets.add(target);
        }
        RegisteredDevice greedy = registerNew();
        for (int i = 0; i < burst; i++) {
            keys(greedy).getPreKeyBundle(bundleOf(targets.get(i % targets.size()), 1));
        }

        assertThat(assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                () -> keys(greedy).getPreKeyBundle(bundleOf(targets.get(0), 1)))).contains("prekey bundle fetches");
        RegisteredDevice other = registerNew();
        assertThat(keys(other).getPreKeyBundle(bundleOf(targets.get(0), 1)).getBundlesCount())
                .as("the limit is per requester").isEqualTo(1);
    }

    @Test
    void oneRequesterCannotDrainOneTargetsKeys() {
        int perTarget = setting("courier.keys.bundle-fetch-per-target-burst");
        RegisteredDevice victim = registerNew();
        keys(victim).uploadKeys(new SignalDevice().fullUpload(perTarget + 5, 1));
        RegisteredDevice bystander = registerNew();
        keys(bystander).uploadKeys(new SignalDevice().fullUpload(1, 1));
        RegisteredDevice greedy = registerNew();
        for (int i = 0; i < perTarget; i++) {
            keys(greedy).getPreKeyBundle(bundleOf(victim, 1));
        }

        assertThat(assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                () -> keys(greedy).getPreKeyBundle(bundleOf(victim, 1))))
                .contains("prekey bundle fetches of this account");
        assertThat(keys(greedy).getPreKeyBundle(bundleOf(bystander, 1)).getBundlesCount())
                .as("other targets are still served").isEqualTo(1);
        assertThat(keys(victim).getPreKeyCount(GetPreKeyCountRequest.getDefaultInstance()).getOneTimePreKeyCount())
                .as("the refused fetch claimed no key").isEqualTo(5);
    }

    @Test
    void afterItsBurstARequesterGetsOneMoreOfATargetsKeysPerRefillOnly() {
        int perTarget = setting("courier.keys.bundle-fetch-per-target-burst");
        Duration refill = config.bundleFetchPerTargetRefill();
        RegisteredDevice victim = registerNew();
        keys(victim).uploadKeys(new SignalDevice().fullUpload(perTarget + 5, 1));
        RegisteredDevice greedy = registerNew();
        for (int i = 0; i < perTarget; i++) {
            keys(greedy).getPreKeyBundle(bundleOf(victim, 1));
        }

        clock.advance(refill.minusMinutes(1));
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> keys(greedy).getPreKeyBundle(bundleOf(victim, 1)));
        clock.advance(Duration.ofMinutes(1));
        assertThat(keys(greedy).getPreKeyBundle(bundleOf(victim, 1)).getBundles(0).hasOneTimePreKey())
                .as("one more a refill after the burst").isTrue();
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> keys(greedy).getPreKeyBundle(bundleOf(victim, 1)));
        assertThat(keys(victim).getPreKeyCount(GetPreKeyCountRequest.getDefaultInstance()).getOneTimePreKeyCount())
                .as("burst + 1 taken").isEqualTo(4);
    }

    private static int setting(String key) {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue(key, Integer.class);
    }
}
