package io.courier.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.MismatchedDevices;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.RevokeDeviceRequest;
import io.courier.api.v1.UploadKeysRequest;
import io.courier.cluster.ClusterConfig;
import io.courier.support.RawStream;
import io.courier.support.SecondMember;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Senders check envelopes against cached device lists: every change is seen by the next send, a second read of an
 * account never reaches the database, and a load racing a change never caches the old list.
 */
@QuarkusTest
class RegistrationCacheTest extends ServerTest {
    @Inject
    HazelcastInstance hazelcast;

    @Inject
    ClusterConfig cluster;

    private static FrameError send(RawStream stream, long clientMessageId, Participant to, DeviceEnvelope... envelopes) {
        stream.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder()
                .setClientMessageId(clientMessageId).setRecipientAccountId(to.accountId())
                .addAllEnvelopes(List.of(envelopes))).build());
        var frame = stream.next();
        return frame.hasError() ? frame.getError() : null;
    }

    /** Sends, expecting a SendAck: the recipient's device list is now cached. */
    private static void sendAccepted(RawStream stream, long clientMessageId, Participant to,
            DeviceEnvelope... envelopes) {
        assertThat(send(stream, clientMessageId, to, envelopes)).as("send %d is accepted", clientMessageId).isNull();
    }

    private static MismatchedDevices mismatch(RawStream stream, long clientMessageId, Participant to,
            DeviceEnvelope... envelopes) {
        FrameError error = send(stream, clientMessageId, to, envelopes);
        assertThat(error).as("send %d is refused", clientMessageId).isNotNull();
        assertThat(error.getCode()).as(error.getMessage()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_MISMATCHED_DEVICES);
        return error.getMismatchedDevices(0);
    }

    private static DeviceEnvelope envelope(Participant to) {
        return envelope(to, new byte[] { 1 });
    }

    @Test
    void aRevokedDeviceIsAnExtraDeviceOnTheNextSend() {
        Participant alice = participant();
        Participant bob = participant();
        Participant laptop = withKeys(link(bob.device(), "laptop"));
        try (RawStream a = connect(alice)) {
            a.drain();
            sendAccepted(a, 1, bob, envelope(bob), envelope(laptop));

            accounts(bob.device()).revokeDevice(RevokeDeviceRequest.newBuilder().setDeviceId(laptop.deviceId()).build());

            MismatchedDevices mismatch = mismatch(a, 2, bob, envelope(bob), envelope(laptop));
            assertThat(mismatch.getExtraDeviceIdsList()).containsExactly(laptop.deviceId());
            assertThat(mismatch.getMissingDeviceIdsList()).isEmpty();
            sendAccepted(a, 3, bob, envelope(bob));
        }
    }

    @Test
    void aLinkedDeviceIsMissingOnTheNextSendOnceItHasKeys() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            sendAccepted(a, 1, bob, envelope(bob));

            Participant laptop = withKeys(link(bob.device(), "laptop"));

            assertThat(mismatch(a, 2, bob, envelope(bob)).getMissingDeviceIdsList()).containsExactly(laptop.deviceId());
            sendAccepted(a, 3, bob, envelope(bob), envelope(laptop));
        }
    }

    @Test
    void aNewRegistrationIdMakesEnvelopesForTheOldOneStale() {
        Participant alice = participant();
        Participant bob = participant();
        int newRegistrationId = bob.signal().registrationId() % KeyValidation.MAX_REGISTRATION_ID + 1;
        try (RawStream a = connect(alice)) {
            a.drain();
            sendAccepted(a, 1, bob, envelope(bob));

            keys(bob.device()).uploadKeys(UploadKeysRequest.newBuilder().setRegistrationId(newRegistrationId).build());

            assertThat(mismatch(a, 2, bob, envelope(bob)).getStaleDeviceIdsList()).containsExactly(bob.deviceId());
            sendAccepted(a, 3, bob, envelope(bob).toBuilder().setRegistrationId(newRegistrationId).build());
        }
    }

    @Test
    void aReRegisteredAccountHasNoReceivingDeviceUntilItUploadsKeys() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            sendAccepted(a, 1, bob, envelope(bob));

            register(bob.device().phoneNumber());

            assertThat(send(a, 2, bob, envelope(bob)).getCode())
                    .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_UNKNOWN_DESTINATION);
        }
    }

    @Test
    void aSecondReadIsServedWithoutTheDatabaseAndThenFromTheNearCache() {
        AtomicInteger loads = new AtomicInteger();
        RegistrationCache cache = new RegistrationCache(hazelcast, account -> Mono.fromCallable(() -> {
            loads.incrementAndGet();
            return Map.of(1, 42);
        }));
        UUID account = UUID.randomUUID();

        assertThat(cache.get(account).block()).containsExactly(Map.entry(1, 42));
        assertThat(cache.get(account).block()).containsExactly(Map.entry(1, 42));
        assertThat(loads).as("database reads").hasValue(1);
        long hits = nearCacheHits(hazelcast);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            cache.get(account).block();
            return nearCacheHits(hazelcast) > hits;
        });
        assertThat(loads).as("database reads").hasValue(1);

        cache.invalidate(account).block();
        cache.get(account).block();
        assertThat(loads).as("database reads after a change").hasValue(2);
    }

    @Test
    void aLoadThatReadBeforeAChangeNeverCachesWhatItRead() {
        Sinks.One<Map<Integer, Integer>> slowRead = Sinks.one();
        AtomicInteger loads = new AtomicInteger();
        RegistrationCache cache = new RegistrationCache(hazelcast,
                account -> loads.incrementAndGet() == 1 ? slowRead.asMono() : Mono.just(Map.of(1, 7)));
        UUID account = UUID.randomUUID();

        CompletableFuture<Map<Integer, Integer>> racing = cache.get(account).toFuture();
        await().atMost(Duration.ofSeconds(10)).until(() -> loads.get() == 1);
        cache.invalidate(account).block();
        slowRead.tryEmitValue(Map.of(1, 7, 2, 9));

        assertThat(racing.join()).as("the racing caller gets what it read").containsKey(2);
        assertThat(cache.get(account).block()).as("but the next reader does not").containsExactly(Map.entry(1, 7));
        assertThat(loads).hasValue(2);
    }

    @Test
    void anotherNodeSeesAChangeMadeOnThisOne() {
        HazelcastInstance other = SecondMember.join(hazelcast, cluster.name(), List.of(RegistrationCache.mapConfig()));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> hazelcast.getCluster().getMembers().size() == 2);
            AtomicReference<Map<Integer, Integer>> database = new AtomicReference<>(Map.of(1, 11, 2, 22));
            Function<UUID, Mono<Map<Integer, Integer>>> loader = account -> Mono.fromCallable(database::get);
            RegistrationCache here = new RegistrationCache(hazelcast, loader);
            RegistrationCache there = new RegistrationCache(other, loader);
            UUID account = UUID.randomUUID();
            long hits = nearCacheHits(other);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                there.get(account).block();
                return nearCacheHits(other) > hits;
            });

            database.set(Map.of(1, 11));
            here.invalidate(account).block();

            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(there.get(account).block()).containsOnlyKeys(1));
        } finally {
            other.shutdown();
        }
    }

    private static long nearCacheHits(HazelcastInstance member) {
        return member.getMap(RegistrationCache.MAP).getLocalMapStats().getNearCacheStats().getHits();
    }
}
