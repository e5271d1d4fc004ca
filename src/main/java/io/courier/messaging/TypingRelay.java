package io.courier.messaging;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.Typing;
import io.courier.api.v1.TypingEvent;
import io.courier.cluster.BusMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.NodeBus;
import io.courier.cluster.PresenceDirectory;
import io.courier.common.Ids;
import io.courier.keys.KeyDirectory;
import io.courier.presence.Privacy;
import io.courier.presence.PrivacyDirectory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Typing indicators: relayed to the devices of the peer (or of the group's other members) that have a stream right
 * now, over the node bus, and nowhere else: never stored, never queued for a device that is offline. Nothing goes
 * between two accounts when one blocks the other, silently: the blocked sender is never told.
 */
public final class TypingRelay {
    /** Presence lookups in flight per indicator (a group has up to 1024 members with several devices each). */
    private static final int LOOKUPS = 64;
    private static final int ID_BYTES = 16;

    private final KeyDirectory keys;
    private final GroupFanout groups;
    private final PresenceDirectory presence;
    private final NodeBus bus;
    private final PrivacyDirectory privacy;

    TypingRelay(KeyDirectory keys, GroupFanout groups, PresenceDirectory presence, NodeBus bus,
            PrivacyDirectory privacy) {
        this.keys = keys;
        this.privacy = privacy;
        this.groups = groups;
        this.presence = presence;
        this.bus = bus;
    }

    /** Completes with the refusal if the indicator may not be relayed, else empty once it is on its way. */
    public Mono<FrameError> relay(DeviceAddress sender, Typing typing) {
        return switch (typing.getChatCase()) {
            case PEER_ACCOUNT_ID -> typing.getPeerAccountId().size() != ID_BYTES
                    ? Mono.just(invalid("peer_account_id must be 16 bytes"))
                    : toPeer(sender, Ids.uuid(typing.getPeerAccountId(), "peer_account_id"), typing);
            case GROUP_ID -> typing.getGroupId().size() != ID_BYTES
                    ? Mono.just(invalid("group_id must be 16 bytes"))
                    : toGroup(sender, Ids.uuid(typing.getGroupId(), "group_id"), typing);
            default -> Mono.just(invalid("typing needs peer_account_id or group_id"));
        };
    }

    private Mono<FrameError> toPeer(DeviceAddress sender, UUID peer, Typing typing) {
        return Mono.fromCompletionStage(() -> keys.registrations(peer)).flatMap(devices -> {
            if (devices.isEmpty()) {
                return Mono.just(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_UNKNOWN_DESTINATION,
                        "the peer does not exist or has no device"));
            }
            ConnectResponse event = event(sender, typing, null);
            return publish(privacy.of(sender.accountId()).filterWhen(own -> reachable(own, sender.accountId(), peer))
                    .flatMapMany(yes -> Flux.fromIterable(devices.keySet()).map(d -> new DeviceAddress(peer, d))),
                    event);
        });
    }

    private Mono<FrameError> toGroup(DeviceAddress sender, UUID groupId, Typing typing) {
        return groups.members(groupId).flatMap(members -> {
            if (!members.contains(sender.accountId())) {
                return Mono.just(FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_NOT_A_MEMBER,
                        "you are not a member of this group"));
            }
            ConnectResponse event = event(sender, typing, groupId);
            // The sender's own settings once per indicator, each member's from the near cache.
            return publish(privacy.of(sender.accountId()).flatMapMany(own -> Flux
                    .fromIterable(others(members, sender.accountId()))
                    .flatMap(member -> reachable(own, sender.accountId(), member)
                            .filter(Boolean::booleanValue).map(yes -> member), LOOKUPS))
                    .flatMap(member -> Mono.fromCompletionStage(() -> keys.registrations(member))
                            .flatMapIterable(devices -> devices.keySet().stream()
                                    .map(d -> new DeviceAddress(member, d)).toList()), LOOKUPS), event);
        });
    }

    /** Whether neither account blocks the other, given the sender's settings: one near-cache read. */
    private Mono<Boolean> reachable(Privacy senderPrivacy, UUID sender, UUID recipient) {
        return senderPrivacy.blocks(recipient) ? Mono.just(false)
                : privacy.blocks(recipient, sender).map(blocked -> !blocked);
    }

    private static Set<UUID> others(Set<UUID> members, UUID self) {
        return members.stream().filter(m -> !m.equals(self)).collect(Collectors.toSet());
    }

    /** Fire and forget: the sender is answered at once, the indicator goes to whoever is online. */
    private Mono<FrameError> publish(Flux<DeviceAddress> devices, ConnectResponse event) {
        byte[] frame = event.toByteArray();
        devices.flatMap(d -> presence.lookup(d)
                        .flatMap(p -> bus.publish(p.memberId(), new BusMessage.Ephemeral(d, frame))), LOOKUPS)
                .subscribe(null, e -> { });
        return Mono.empty();
    }

    private static ConnectResponse event(DeviceAddress sender, Typing typing, UUID groupId) {
        TypingEvent.Builder event = TypingEvent.newBuilder().setSenderAccountId(Ids.bytes(sender.accountId()))
                .setSenderDeviceId(sender.deviceId()).setStarted(typing.getStarted());
        Optional.ofNullable(groupId).map(Ids::bytes).ifPresent(event::setGroupId);
        return ConnectResponse.newBuilder().setTyping(event).build();
    }

    private static FrameError invalid(String message) {
        return FrameErrors.of(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, message);
    }
}
