package io.courier.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.message.CiphertextMessage;
import org.signal.libsignal.protocol.message.PreKeySignalMessage;
import org.signal.libsignal.protocol.message.SignalMessage;

import io.courier.api.v1.GetPreKeyBundleRequest;
import io.courier.client.Bundles;
import io.courier.common.Ids;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.courier.support.SignalDevice;
import io.quarkus.test.junit.QuarkusTest;

/** The directory serves what a real libsignal client needs: a PQXDH session from a fetched bundle decrypts. */
@QuarkusTest
class SignalSessionTest extends ServerTest {

    private static SignalProtocolAddress address(RegisteredDevice device) {
        UUID account = Ids.uuid(device.accountId(), "account_id");
        return new SignalProtocolAddress(account.toString(), device.deviceId());
    }

    @Test
    void aSessionBuiltFromAFetchedBundleCarriesMessagesBothWays() throws Exception {
        RegisteredDevice alice = registerNew();
        RegisteredDevice bob = registerNew();
        SignalDevice aliceKeys = new SignalDevice();
        SignalDevice bobKeys = new SignalDevice();
        keys(alice).uploadKeys(aliceKeys.fullUpload(5, 5));
        keys(bob).uploadKeys(bobKeys.fullUpload(5, 5));

        var fetched = keys(alice).getPreKeyBundle(GetPreKeyBundleRequest.newBuilder()
                .setAccountId(bob.accountId()).setDeviceId(1).build()).getBundles(0);
        new SessionBuilder(aliceKeys.store(), address(bob)).process(Bundles.toLibsignal(fetched));
        byte[] hello = "hello bob, this is end-to-end".getBytes(StandardCharsets.UTF_8);
        CiphertextMessage first = new SessionCipher(aliceKeys.store(), address(bob)).encrypt(hello);

        assertThat(first.getType()).isEqualTo(CiphertextMessage.PREKEY_TYPE);
        byte[] received = new SessionCipher(bobKeys.store(), address(alice))
                .decrypt(new PreKeySignalMessage(first.serialize()));
        assertThat(received).isEqualTo(hello);

        byte[] reply = "hi alice".getBytes(StandardCharsets.UTF_8);
        CiphertextMessage answer = new SessionCipher(bobKeys.store(), address(alice)).encrypt(reply);
        assertThat(answer.getType()).isEqualTo(CiphertextMessage.WHISPER_TYPE);
        assertThat(new SessionCipher(aliceKeys.store(), address(bob)).decrypt(new SignalMessage(answer.serialize())))
                .isEqualTo(reply);
    }

    @Test
    void aBundleWithoutOneTimeKeysStillStartsASession() throws Exception {
        RegisteredDevice alice = registerNew();
        RegisteredDevice bob = registerNew();
        SignalDevice aliceKeys = new SignalDevice();
        SignalDevice bobKeys = new SignalDevice();
        keys(bob).uploadKeys(bobKeys.fullUpload(0, 0));

        var fetched = keys(alice).getPreKeyBundle(GetPreKeyBundleRequest.newBuilder()
                .setAccountId(bob.accountId()).build()).getBundles(0);
        assertThat(fetched.hasOneTimePreKey()).isFalse();
        assertThat(fetched.getKyberLastResort()).isTrue();
        new SessionBuilder(aliceKeys.store(), address(bob)).process(Bundles.toLibsignal(fetched));
        byte[] hello = "last resort works".getBytes(StandardCharsets.UTF_8);
        CiphertextMessage message = new SessionCipher(aliceKeys.store(), address(bob)).encrypt(hello);

        assertThat(new SessionCipher(bobKeys.store(), address(alice))
                .decrypt(new PreKeySignalMessage(message.serialize()))).isEqualTo(hello);
    }
}
