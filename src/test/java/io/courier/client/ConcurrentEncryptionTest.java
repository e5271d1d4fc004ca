package io.courier.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.SessionBuilder;

import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.PreKeyBundle;
import io.courier.api.v1.UploadKeysRequest;

/**
 * After a reconnect the SDK encrypts every unacknowledged send again, several at once. Each must use its own message
 * key: the recipient decrypts every one (a repeated key would be refused as a duplicate and the message dropped).
 */
class ConcurrentEncryptionTest {
    private static final int THREADS = 8;
    private static final int PER_THREAD = 25;

    @Test
    void sendsEncryptedAtOnceForOneRecipientAllDecrypt() throws Exception {
        UUID aliceId = UUID.randomUUID();
        UUID bobId = UUID.randomUUID();
        ClientStore alice = ClientStore.inMemory();
        ClientStore bob = ClientStore.inMemory();
        UploadKeysRequest bobKeys = new KeyMaterial(bob).fullUpload(5);
        new SessionBuilder(alice, SessionCrypto.address(bobId, 1)).process(Bundles.toLibsignal(PreKeyBundle.newBuilder()
                .setDeviceId(1).setRegistrationId(bobKeys.getRegistrationId()).setIdentityKey(bobKeys.getIdentityKey())
                .setSignedPreKey(bobKeys.getSignedPreKey()).setOneTimePreKey(bobKeys.getOneTimePreKeys(0))
                .setKyberPreKey(bobKeys.getKyberPreKeys(0)).build()));
        SessionCrypto aliceCrypto = new SessionCrypto(alice, null);

        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<List<DeviceEnvelope>>> results = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<DeviceEnvelope> envelopes = new ArrayList<>();
                    for (int i = 0; i < PER_THREAD; i++) {
                        envelopes.addAll(aliceCrypto.encrypt(bobId, ("m" + thread + "-" + i).getBytes(UTF_8), 0));
                    }
                    return envelopes;
                }));
            }
            List<DeviceEnvelope> all = new ArrayList<>();
            for (Future<List<DeviceEnvelope>> result : results) {
                all.addAll(result.get());
            }
            SessionCrypto bobCrypto = new SessionCrypto(bob, null);
            List<String> decrypted = new ArrayList<>();
            for (DeviceEnvelope envelope : all) {
                EnvelopeType type = envelope.getType();
                decrypted.add(new String(bobCrypto.decrypt(aliceId, 1, type, envelope.getCiphertext().toByteArray()),
                        UTF_8));
            }
            assertThat(decrypted).hasSize(THREADS * PER_THREAD).doesNotHaveDuplicates();
        } finally {
            pool.shutdownNow();
        }
    }
}
