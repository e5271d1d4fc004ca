package io.courier.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.HdrHistogram.Histogram;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.groups.GroupCipher;
import org.signal.libsignal.protocol.groups.GroupSessionBuilder;

import io.courier.api.v1.PreKeyBundle;
import io.courier.api.v1.UploadKeysRequest;
import io.courier.client.Bundles;
import io.courier.client.ClientStore;
import io.courier.support.SignalDevice;

/**
 * The sending device's crypto for a group, on the SDK's own store ({@link ClientStore}, which snapshots itself after
 * every change) and libsignal, as {@code CourierClient.sendToGroup} does it: one Sender Key encryption per message,
 * and a new key's distribution message encrypted once per member device over the existing 1:1 sessions.
 */
final class SenderKeyCosts {
    record Result(Histogram encrypt, double distributeMillis) {
    }

    private final ClientStore store = ClientStore.inMemory();
    private final SignalProtocolAddress me = new SignalProtocolAddress(UUID.randomUUID().toString(), 1);
    private final List<SignalProtocolAddress> peers = new ArrayList<>();

    /** A sender with established sessions to {@code peerDevices} devices (not timed: the steady state of a group). */
    SenderKeyCosts(int peerDevices) throws Exception {
        for (int i = 0; i < peerDevices; i++) {
            SignalProtocolAddress peer = new SignalProtocolAddress(UUID.randomUUID().toString(), 1);
            UploadKeysRequest keys = new SignalDevice().fullUpload(0, 0);
            new SessionBuilder(store, peer).process(Bundles.toLibsignal(PreKeyBundle.newBuilder().setDeviceId(1)
                    .setRegistrationId(keys.getRegistrationId()).setIdentityKey(keys.getIdentityKey())
                    .setSignedPreKey(keys.getSignedPreKey()).setKyberPreKey(keys.getKyberLastResortPreKey())
                    .build()));
            peers.add(peer);
        }
    }

    Result run(int messages, int messageBytes) throws Exception {
        distribute(); // warm-up: JIT, and every session has sent once
        long started = System.nanoTime();
        UUID distribution = distribute();
        double distributeMillis = (System.nanoTime() - started) / 1e6;

        byte[] plaintext = new byte[messageBytes];
        ThreadLocalRandom.current().nextBytes(plaintext);
        GroupCipher cipher = new GroupCipher(store, me);
        LatencyStats encrypt = new LatencyStats();
        for (int i = 0; i < messages / 10; i++) {
            cipher.encrypt(distribution, plaintext); // warm-up
        }
        for (int i = 0; i < messages; i++) {
            long began = System.nanoTime();
            cipher.encrypt(distribution, plaintext);
            encrypt.recordNanos(System.nanoTime() - began);
        }
        return new Result(encrypt.snapshot(), distributeMillis);
    }

    /** A new Sender Key, its distribution message encrypted for every peer device. */
    private UUID distribute() throws Exception {
        UUID distribution = UUID.randomUUID();
        byte[] message = new GroupSessionBuilder(store).create(me, distribution).serialize();
        for (SignalProtocolAddress peer : peers) {
            new SessionCipher(store, peer).encrypt(message);
            store.loadSession(peer).getRemoteRegistrationId(); // the envelope names it, as the SDK's does
        }
        return distribution;
    }
}
