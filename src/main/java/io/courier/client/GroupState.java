package io.courier.client;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.UUID;

import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.Group;

/**
 * What a device keeps about its groups beside the Signal state, in its {@link ClientStore}: the newest membership it
 * has seen of each group, which member devices hold its current Sender Key, which of its 1:1 messages were Sender Key
 * distributions (their receipts are not the app's business) and the ticks of the group messages it sent.
 */
final class GroupState {
    private static final String GROUP = "group/";
    private static final String DISTRIBUTION = "senderkey-sent/";
    private static final String STATUS = "group-status/";
    private static final String DISTRIBUTION_MESSAGES = "meta/distribution-messages";
    /** Sent group messages whose ticks are counted; older ones are forgotten (their per-member ticks still come). */
    private static final int TRACKED_MESSAGES = 64;
    private static final int REMEMBERED_DISTRIBUTION_MESSAGES = 4096;

    /** This device's Sender Key of a group, named by its distribution id, and the member devices that hold it. */
    record Distribution(UUID id, Set<MemberDevice> holders) {
    }

    record MemberDevice(UUID account, int device) {
    }

    private final ClientStore store;
    private final RecentIds distributionMessages;

    GroupState(ClientStore store) {
        this.store = store;
        this.distributionMessages = new RecentIds(REMEMBERED_DISTRIBUTION_MESSAGES, store.get(DISTRIBUTION_MESSAGES));
    }

    // --- membership ---

    Optional<Group> group(UUID groupId) {
        byte[] raw = store.get(GROUP + groupId);
        try {
            return raw == null ? Optional.empty() : Optional.of(Group.parseFrom(raw));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored group is corrupt", e);
        }
    }

    /** Keeps {@code group} unless a newer version is kept already (events and call results may cross). */
    void remember(Group group) {
        UUID groupId = SessionCrypto.uuid(group.getGroupId());
        synchronized (store) {
            if (group(groupId).map(Group::getVersion).orElse(-1L) < group.getVersion()) {
                store.put(GROUP + groupId, group.toByteArray());
            }
        }
    }

    // --- this device's Sender Keys ---

    Optional<Distribution> distribution(UUID groupId) {
        byte[] raw = store.get(DISTRIBUTION + groupId);
        if (raw == null) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(raw);
        UUID id = Uuids.get(buffer);
        Set<MemberDevice> holders = new HashSet<>();
        while (buffer.hasRemaining()) {
            holders.add(new MemberDevice(Uuids.get(buffer), buffer.getInt()));
        }
        return Optional.of(new Distribution(id, holders));
    }

    void saveDistribution(UUID groupId, Distribution distribution) {
        ByteBuffer buffer = ByteBuffer.allocate(Uuids.BYTES + distribution.holders().size() * (Uuids.BYTES + 4));
        Uuids.put(buffer, distribution.id());
        for (MemberDevice holder : distribution.holders()) {
            Uuids.put(buffer, holder.account()).putInt(holder.device());
        }
        store.put(DISTRIBUTION + groupId, buffer.array());
    }

    /** Forgets which devices of {@code account} hold the current key, so the next send distributes it to them all. */
    void forgetHolders(UUID groupId, UUID account) {
        synchronized (store) {
            distribution(groupId).ifPresent(current -> {
                Set<MemberDevice> holders = new HashSet<>(current.holders());
                holders.removeIf(holder -> holder.account().equals(account));
                saveDistribution(groupId, new Distribution(current.id(), holders));
            });
        }
    }

    /** Records that {@code devices} of {@code account} got the key {@code distributionId}, if it is still current. */
    void addHolders(UUID groupId, UUID distributionId, UUID account, Collection<Integer> devices) {
        synchronized (store) {
            distribution(groupId).filter(d -> d.id().equals(distributionId)).ifPresent(current -> {
                Set<MemberDevice> holders = new HashSet<>(current.holders());
                devices.forEach(device -> holders.add(new MemberDevice(account, device)));
                saveDistribution(groupId, new Distribution(distributionId, holders));
            });
        }
    }

    void markDistributionMessage(long serverId) {
        synchronized (store) {
            distributionMessages.add(serverId);
            store.put(DISTRIBUTION_MESSAGES, distributionMessages.serialize());
        }
    }

    boolean isDistributionMessage(long serverId) {
        synchronized (store) {
            return distributionMessages.contains(serverId);
        }
    }

    // --- ticks of sent group messages ---

    /** Starts counting the ticks of a group message sent to {@code recipients}. */
    GroupMessageStatus track(long serverId, UUID groupId, Collection<UUID> recipients) {
        ByteBuffer buffer = ByteBuffer.allocate(Uuids.BYTES + recipients.size() * (Uuids.BYTES + 1));
        Uuids.put(buffer, groupId);
        recipients.forEach(r -> Uuids.put(buffer, r).put((byte) Tick.State.SENT.ordinal()));
        synchronized (store) {
            store.put(statusKey(serverId), buffer.array());
            SortedMap<String, byte[]> tracked = store.entries(STATUS);
            tracked.keySet().stream().limit(Math.max(0, tracked.size() - TRACKED_MESSAGES)).forEach(store::remove);
        }
        return new GroupMessageStatus(serverId, groupId, recipients.size(), 0, 0);
    }

    /**
     * Moves {@code member} to {@code state} for a tracked message (never backwards) and returns the new aggregate;
     * empty if the message is not tracked or nothing changed. A message read by all is no longer tracked.
     */
    Optional<GroupMessageStatus> record(long serverId, UUID member, Tick.State state) {
        synchronized (store) {
            byte[] stored = store.get(statusKey(serverId));
            if (stored == null) {
                return Optional.empty();
            }
            byte[] raw = stored.clone();
            ByteBuffer buffer = ByteBuffer.wrap(raw);
            UUID groupId = Uuids.get(buffer);
            boolean changed = false;
            int members = 0;
            int delivered = 0;
            int read = 0;
            while (buffer.hasRemaining()) {
                UUID account = Uuids.get(buffer);
                int position = buffer.position();
                int current = buffer.get();
                if (account.equals(member) && state.ordinal() > current) {
                    current = state.ordinal();
                    raw[position] = (byte) current;
                    changed = true;
                }
                members++;
                delivered += current >= Tick.State.DELIVERED.ordinal() ? 1 : 0;
                read += current == Tick.State.READ.ordinal() ? 1 : 0;
            }
            if (!changed) {
                return Optional.empty();
            }
            GroupMessageStatus status = new GroupMessageStatus(serverId, groupId, members, delivered, read);
            if (status.readByAll()) {
                store.remove(statusKey(serverId));
            } else {
                store.put(statusKey(serverId), raw);
            }
            return Optional.of(status);
        }
    }

    /** Fixed-width hex, so key order is server-id order (server ids are positive). */
    private static String statusKey(long serverId) {
        return STATUS + String.format("%016x", serverId);
    }

    static Set<UUID> accounts(Group group) {
        Set<UUID> accounts = new HashSet<>();
        group.getMembersList().forEach(m -> accounts.add(SessionCrypto.uuid(m.getAccountId())));
        return accounts;
    }
}
