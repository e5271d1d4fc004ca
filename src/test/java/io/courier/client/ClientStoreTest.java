package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.state.SessionRecord;

/** The client's state survives a restart from its file, and duplicates are recognised by id and by origin. */
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
}
