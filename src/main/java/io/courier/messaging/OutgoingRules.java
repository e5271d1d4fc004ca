package io.courier.messaging;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.MismatchedDevices;
import io.courier.api.v1.OutgoingMessage;
import io.courier.cluster.DeviceAddress;
import io.courier.common.Ids;

/** The checks an OutgoingMessage must pass before anything is stored. */
final class OutgoingRules {
    private static final Set<EnvelopeType> ONE_TO_ONE_TYPES = Set.of(EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE,
            EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE, EnvelopeType.ENVELOPE_TYPE_PLAINTEXT_CONTENT);
    private OutgoingRules() {
    }

    /** What is wrong with the frame's shape, or null if nothing is. */
    static String problem(DeviceAddress sender, OutgoingMessage message) {
        if (message.getClientMessageId() == 0) {
            return "client_message_id is required";
        }
        switch (message.getDestinationCase()) {
            case GROUP_ID:
                return groupProblem(sender, message);
            case DESTINATION_NOT_SET:
                return "recipient_account_id or group_id is required";
            default:
                break;
        }
        if (message.getRecipientAccountId().size() != 16) {
            return "recipient_account_id must be 16 bytes";
        }
        if (Ids.uuid(message.getRecipientAccountId(), "recipient_account_id").equals(sender.accountId())) {
            return "use self_envelopes to reach your own devices";
        }
        if (message.getEnvelopesCount() == 0) {
            return "envelopes are required: one per device of the recipient";
        }
        String problem = envelopesProblem(message.getEnvelopesList(), "envelopes", 0);
        return problem != null ? problem
                : envelopesProblem(message.getSelfEnvelopesList(), "self_envelopes", sender.deviceId());
    }

    private static String groupProblem(DeviceAddress sender, OutgoingMessage message) {
        if (message.getGroupId().size() != 16) {
            return "group_id must be 16 bytes";
        }
        if (message.getEnvelopesCount() > 0) {
            return "envelopes are for 1:1 messages; a group message carries group_ciphertext";
        }
        if (message.getGroupCiphertext().isEmpty()) {
            return "group_ciphertext is required: the Sender Key message for the group";
        }
        return envelopesProblem(message.getSelfEnvelopesList(), "self_envelopes", sender.deviceId());
    }

    /** The first ciphertext larger than {@code maxBytes}, described, or null. */
    static String oversized(OutgoingMessage message, int maxBytes) {
        if (message.getGroupCiphertext().size() > maxBytes) {
            return "group_ciphertext has " + message.getGroupCiphertext().size() + " bytes; the limit is " + maxBytes;
        }
        List<DeviceEnvelope> all = new ArrayList<>(message.getEnvelopesList());
        all.addAll(message.getSelfEnvelopesList());
        return all.stream().filter(e -> e.getCiphertext().size() > maxBytes).findFirst()
                .map(e -> "the envelope for device " + e.getDeviceId() + " has " + e.getCiphertext().size()
                        + " bytes; the limit is " + maxBytes)
                .orElse(null);
    }

    /** @param sendingDevice the sender's own device, which must not be addressed (0 for the recipient's list) */
    private static String envelopesProblem(List<DeviceEnvelope> envelopes, String field, int sendingDevice) {
        Set<Integer> seen = new HashSet<>();
        for (DeviceEnvelope envelope : envelopes) {
            if (sendingDevice != 0 && envelope.getDeviceId() == sendingDevice) {
                return field + " must not include the sending device";
            }
            String problem = invalidEnvelope(envelope, seen, field);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private static String invalidEnvelope(DeviceEnvelope envelope, Set<Integer> seen, String field) {
        if (envelope.getDeviceId() == 0) {
            return field + ": device_id is required";
        }
        if (!seen.add(envelope.getDeviceId())) {
            return field + ": device " + envelope.getDeviceId() + " appears twice";
        }
        if (!ONE_TO_ONE_TYPES.contains(envelope.getType())) {
            return field + ": device " + envelope.getDeviceId() + " has no valid 1:1 envelope type";
        }
        if (envelope.getCiphertext().isEmpty()) {
            return field + ": the ciphertext for device " + envelope.getDeviceId() + " is empty";
        }
        return null;
    }

    /** How the envelopes differ from the account's current devices (device id → registration id), if they do. */
    static Optional<MismatchedDevices> mismatch(UUID account, Map<Integer, Integer> current,
            List<DeviceEnvelope> envelopes) {
        MismatchedDevices.Builder m = MismatchedDevices.newBuilder().setAccountId(Ids.bytes(account));
        Set<Integer> addressed = new TreeSet<>();
        for (DeviceEnvelope e : envelopes) {
            addressed.add(e.getDeviceId());
            Integer registration = current.get(e.getDeviceId());
            if (registration == null) {
                m.addExtraDeviceIds(e.getDeviceId());
            } else if (registration != e.getRegistrationId()) {
                m.addStaleDeviceIds(e.getDeviceId());
            }
        }
        current.keySet().stream().filter(d -> !addressed.contains(d)).forEach(m::addMissingDeviceIds);
        boolean any = m.getMissingDeviceIdsCount() + m.getExtraDeviceIdsCount() + m.getStaleDeviceIdsCount() > 0;
        return any ? Optional.of(m.build()) : Optional.empty();
    }
}
