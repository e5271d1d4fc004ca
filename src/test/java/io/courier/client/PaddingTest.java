package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.groups.GroupCipher;
import org.signal.libsignal.protocol.groups.GroupSessionBuilder;
import org.signal.libsignal.protocol.state.impl.InMemorySignalProtocolStore;

import io.courier.support.SignalDevice;

/** The end-to-end plaintext's ISO/IEC 7816-4 padding to 160-byte buckets (content.proto). */
class PaddingTest {
    private final Random random = new Random(20);

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    @Test
    void everyLengthUpToTwoBucketsRoundTripsIntoTheNextWholeBucket() throws Exception {
        for (int length = 0; length <= 2 * Padding.BUCKET; length++) {
            byte[] plaintext = randomBytes(length);
            if (length % 3 == 0 && length > 0) {
                plaintext[length - 1] = 0; // a plaintext's own trailing zeros must survive: the 0x80 marks where it ends
            }
            byte[] padded = Padding.pad(plaintext);
            assertThat(padded.length).as("padded length of %d bytes", length)
                    .isEqualTo((length / Padding.BUCKET + 1) * Padding.BUCKET);
            assertThat(Padding.unpad(padded)).as("round trip of %d bytes", length).isEqualTo(plaintext);
        }
    }

    @Test
    void plaintextsOfDifferentLengthsInOneBucketGiveCiphertextsOfOneLength() throws Exception {
        assertThat(Padding.pad(new byte[1])).hasSize(Padding.BUCKET);
        assertThat(Padding.pad(new byte[Padding.BUCKET - 1])).hasSize(Padding.BUCKET);
        assertThat(Padding.pad(new byte[Padding.BUCKET])).hasSize(2 * Padding.BUCKET);

        // Through real libsignal (a Sender Key message, as a group send makes): the length says nothing more.
        InMemorySignalProtocolStore sender = new SignalDevice().store();
        SignalProtocolAddress me = new SignalProtocolAddress(UUID.randomUUID().toString(), 1);
        UUID distribution = UUID.randomUUID();
        new GroupSessionBuilder(sender).create(me, distribution);
        GroupCipher cipher = new GroupCipher(sender, me);
        int shortText = cipher.encrypt(distribution, Padding.pad(randomBytes(3))).serialize().length;
        int longText = cipher.encrypt(distribution, Padding.pad(randomBytes(150))).serialize().length;
        assertThat(longText).isEqualTo(shortText);
        assertThat(cipher.encrypt(distribution, randomBytes(150)).serialize().length)
                .as("unpadded, the lengths differ").isNotEqualTo(cipher.encrypt(distribution, randomBytes(3))
                        .serialize().length);
    }

    @Test
    void aPaddingWithoutItsMarkerIsRefusedWithTheReason() {
        assertThatThrownBy(() -> Padding.unpad(new byte[0])).isInstanceOf(Padding.MalformedPaddingException.class)
                .hasMessage("no 0x80 padding marker: the plaintext is empty");
        assertThatThrownBy(() -> Padding.unpad(new byte[160]))
                .isInstanceOf(Padding.MalformedPaddingException.class)
                .hasMessage("no 0x80 padding marker: the plaintext is all zeros (160 bytes)");
        assertThatThrownBy(() -> Padding.unpad(new byte[] { 'h', 'i', 0, 0 }))
                .isInstanceOf(Padding.MalformedPaddingException.class)
                .hasMessage("no 0x80 padding marker: byte 1 of 4, before 2 zeros, is 0x69");
        assertThatThrownBy(() -> Padding.unpad(new byte[] { 'h', 'i' }))
                .isInstanceOf(Padding.MalformedPaddingException.class)
                .hasMessage("no 0x80 padding marker: byte 1 of 2, before 0 zeros, is 0x69");
    }

    @Test
    void aLargerBucketFromAnotherClientIsAccepted() throws Exception {
        byte[] padded = new byte[1000];
        padded[0] = 7;
        padded[1] = (byte) 0x80;
        assertThat(Padding.unpad(padded)).containsExactly(7);
    }
}
