package io.courier.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.groups.GroupCipher;
import org.signal.libsignal.protocol.groups.GroupSessionBuilder;
import org.signal.libsignal.protocol.message.SenderKeyDistributionMessage;

import com.google.protobuf.ByteString;

import io.courier.api.v1.Content;

/**
 * Sender Keys (libsignal group sessions): this device's own key per group, which it encrypts a group message with
 * once, and the keys other members' devices distributed to it.
 */
final class GroupSessions {
    private final ClientStore store;
    private final GroupState state;
    private final SignalProtocolAddress me;

    GroupSessions(ClientStore store, GroupState state, SignalProtocolAddress me) {
        this.store = store;
        this.state = state;
        this.me = me;
    }

    /**
     * What a send to a group needs first. {@code distribution} is the Content to send 1:1 to each account in
     * {@code lacking}; {@code recipients} are the members but this account.
     */
    record Plan(UUID groupId, UUID distributionId, Content distribution, List<UUID> lacking, Set<UUID> recipients) {
    }

    /**
     * The key to encrypt with: the current one, or a new one (a new distribution id) when there is none yet or a
     * device that holds the current one belongs to an account no longer in the group — so a member who left or was
     * removed can't read what is sent from now on. Lacking it: member accounts with a device this device has a
     * session with that doesn't hold it, or with no session yet.
     */
    Plan prepare(UUID groupId, Set<UUID> members, Function<UUID, List<Integer>> sessionDevices) throws Exception {
        UUID self = UUID.fromString(me.getName());
        Set<UUID> recipients = new HashSet<>(members);
        recipients.remove(self);
        synchronized (store) {
            GroupState.Distribution current = state.distribution(groupId)
                    .filter(d -> d.holders().stream().allMatch(h -> recipients.contains(h.account())))
                    .orElseGet(() -> {
                        GroupState.Distribution fresh = new GroupState.Distribution(UUID.randomUUID(), Set.of());
                        state.saveDistribution(groupId, fresh);
                        return fresh;
                    });
            SenderKeyDistributionMessage message = new GroupSessionBuilder(store).create(me, current.id());
            List<UUID> lacking = new ArrayList<>();
            for (UUID account : recipients) {
                List<Integer> devices = sessionDevices.apply(account);
                if (devices.isEmpty() || devices.stream().anyMatch(
                        d -> !current.holders().contains(new GroupState.MemberDevice(account, d)))) {
                    lacking.add(account);
                }
            }
            return new Plan(groupId, current.id(), Content.newBuilder()
                    .setSenderKeyDistribution(ByteString.copyFrom(message.serialize())).build(), lacking, recipients);
        }
    }

    /** {@code content} is the padded plaintext. */
    byte[] encrypt(UUID distributionId, byte[] content) throws Exception {
        // Held throughout, as for 1:1: a Sender Key chain advanced by two threads at once repeats an iteration.
        return store.atomically(() -> new GroupCipher(store, me).encrypt(distributionId, content).serialize());
    }

    /** Throws NoSessionException when the sender's key for this message never reached this device. */
    byte[] decrypt(UUID sender, int senderDevice, byte[] ciphertext) throws Exception {
        return new GroupCipher(store, SessionCrypto.address(sender, senderDevice)).decrypt(ciphertext);
    }

    /** Keeps a key another member's device distributed: its group messages decrypt from now on. */
    void process(UUID sender, int senderDevice, byte[] distributionMessage) throws Exception {
        new GroupSessionBuilder(store).process(SessionCrypto.address(sender, senderDevice),
                new SenderKeyDistributionMessage(distributionMessage));
    }
}
