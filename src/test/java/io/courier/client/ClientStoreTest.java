package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.state.SessionRecord;

/**
 * The client's state survives a restart from its file, duplicates are recognised by id and by origin, and messages the
 * app has not handled stay until it has.
 */
class ClientStoreTest {

    @Test
    void aFileStoreComesBackWithEverything(@TempDir Path dir) {
        Path file = dir.resolve("device.state");
        ClientStore first = ClientStore.file(file);
        UUID account = UUID.randomUUID();
        first.saveCredentials(new Credentials(account, 3, "token"));
        int keyId = first.allocateKeyIds(10);
        SignalProtocolAddress peer = new SignalProtocolAddress(UUID.randomUUID().toString(), 2);
        first.storeSession(peer, new SessionRecord());
        first.markSeen(99L, ClientStore.origin(account, 1, 5L));

        ClientStore second = ClientStore.file(file);

        assertThat(second.credentials()).contains(new Credentials(account, 3, "token"));
        assertThat(second.getIdentityKeyPair().serialize()).isEqualTo(first.getIdentityKeyPair().serialize());
        assertThat(second.getLocalRegistrationId()).isEqualTo(first.getLocalRegistrationId());
        assertThat(second.allocateKeyIds(1)).isEqualTo(keyId + 10);
        assertThat(second.containsSession(peer)).isTrue();
        assertThat(second.sessionDevices(peer.getName())).containsExactly(2);
        assertThat(second.hasSeen(99L, 0L)).isTrue();
        assertThat(second.hasSeen(12345L, ClientStore.origin(account, 1, 5L))).as("same origin, new id").isTrue();
        assertThat(second.hasSeen(12345L, ClientStore.origin(account, 1, 6L))).isFalse();
        assertThat(Files.exists(file)).isTrue();
    }

    @Test
    void anInMemoryStoreStartsEmptyEachTime() {
        assertThat(ClientStore.inMemory().credentials()).isEmpty();
        assertThat(ClientStore.inMemory().getIdentityKeyPair().serialize())
                .isNotEqualTo(ClientStore.inMemory().getIdentityKeyPair().serialize());
    }

    @Test
    void unhandledMessagesStayUntilHandledAndThenCountAsSeen(@TempDir Path dir) {
        Path file = dir.resolve("device.state");
        ClientStore first = ClientStore.file(file);
        UUID sender = UUID.randomUUID();
        UnhandledMessage later = unhandled(20L, sender, Optional.of(UUID.randomUUID()), Optional.empty());
        UnhandledMessage earlier = unhandled(10L, sender, Optional.empty(), Optional.of(UUID.randomUUID()));
        first.keepUnhandled(later);
        first.keepUnhandled(earlier);

        ClientStore second = ClientStore.file(file);
        assertThat(second.unhandled()).usingRecursiveFieldByFieldElementComparator()
                .containsExactly(earlier, later);
        assertThat(second.hasSeen(10L, earlier.origin())).isFalse();

        second.handled(earlier);
        ClientStore third = ClientStore.file(file);
        assertThat(third.unhandled()).extracting(UnhandledMessage::serverId).containsExactly(20L);
        assertThat(third.hasSeen(10L, 0L)).isTrue();
        assertThat(third.hasSeen(11L, earlier.origin())).isTrue();
    }

    @Test
    void changesMadeAtomicallyAreSavedAsOneSnapshot() throws Exception {
        List<SortedMap<String, byte[]>> snapshots = new ArrayList<>();
        ClientStore store = new ClientStore(new StateStorage() {
            @Override
            public SortedMap<String, byte[]> load() {
                return new TreeMap<>();
            }

            @Override
            public void save(SortedMap<String, byte[]> snapshot) {
                snapshots.add(snapshot);
            }
        });
        snapshots.clear();

        store.atomically(() -> {
            store.storeSession(new SignalProtocolAddress(UUID.randomUUID().toString(), 1), new SessionRecord());
            store.keepUnhandled(unhandled(1L, UUID.randomUUID(), Optional.empty(), Optional.empty()));
            return null;
        });

        assertThat(snapshots).hasSize(1);
        assertThat(snapshots.get(0).keySet()).anyMatch(k -> k.startsWith("session/"))
                .anyMatch(k -> k.startsWith("unhandled/"));
    }

    private static UnhandledMessage unhandled(long serverId, UUID sender, Optional<UUID> syncRecipient,
            Optional<UUID> group) {
        return new UnhandledMessage(new IncomingMessage(serverId, sender, 2, Instant.ofEpochMilli(1234),
                ("text " + serverId).getBytes(StandardCharsets.UTF_8), syncRecipient, group),
                ClientStore.origin(sender, 2, serverId));
    }
}
