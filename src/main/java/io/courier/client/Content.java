package io.courier.client;

import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.Attachment;
import io.courier.api.v1.AttachmentPointer;
import io.courier.api.v1.DataMessage;

/**
 * What a message says: the body of a {@code DataMessage} (content.proto), the part of the end-to-end plaintext that
 * is the app's. {@link #encode()} gives the serialized DataMessage that {@link CourierClient#send} and
 * {@link CourierClient#sendToGroup} take; {@link #decode} reads {@link IncomingMessage#plaintext()}, which is one.
 * The DataMessage's other fields (a quote, {@code sent_at_ms}) are read and set on the generated {@code DataMessage}
 * itself; the SDK keeps every field, also those it doesn't know, from sender to app, except the disappearing timer,
 * which it sets from the chat's ({@link CourierClient#setDisappearingTimer}). Received reactions, edits, deletes and
 * timer changes reach the app checked, as {@link MessageAction}s, not as incoming messages.
 */
public sealed interface Content permits Content.Text, Content.Media, Content.Reaction, Content.Edit, Content.Delete,
        Content.Unsupported {

    record Text(String text) implements Content {
    }

    /** An image, video, voice note, audio file or document; {@code caption} may be empty. */
    record Media(AttachmentPointer pointer, String caption) implements Content {
    }

    /** This user's reaction to {@code target}, or its removal. */
    record Reaction(MessageRef target, String emoji, boolean remove) implements Content {
    }

    /** A new text (or caption) for {@code target}, a message of the same author. */
    record Edit(MessageRef target, String text) implements Content {
    }

    /** Delete for everyone of {@code target}, a message of the same author. */
    record Delete(MessageRef target) implements Content {
    }

    /** A body this SDK doesn't know (a newer client's) or none: the app may say "update to see this message". */
    record Unsupported() implements Content {
    }

    static Content text(String text) {
        return new Text(text);
    }

    static Content media(UploadedMedia media, String caption) {
        return new Media(media.pointer(), caption);
    }

    /** The serialized DataMessage with this body (and no other field set). */
    default byte[] encode() {
        DataMessage.Builder message = DataMessage.newBuilder();
        if (this instanceof Text t) {
            message.setText(t.text());
        } else if (this instanceof Media m) {
            message.setAttachment(Attachment.newBuilder().setPointer(m.pointer()).setCaption(m.caption()));
        } else if (this instanceof Reaction r) {
            message.setReaction(io.courier.api.v1.Reaction.newBuilder().setTarget(r.target().toProto())
                    .setEmoji(r.emoji()).setRemove(r.remove()));
        } else if (this instanceof Edit e) {
            message.setEdit(io.courier.api.v1.Edit.newBuilder().setTarget(e.target().toProto()).setText(e.text()));
        } else if (this instanceof Delete d) {
            message.setDelete(io.courier.api.v1.Delete.newBuilder().setTarget(d.target().toProto()));
        }
        return message.build().toByteArray();
    }

    /**
     * The body of a serialized DataMessage; unknown fields are skipped, an unknown body is {@link Unsupported}.
     *
     * @throws IllegalArgumentException if the bytes are not a DataMessage, or a reference in it is malformed
     */
    static Content decode(byte[] dataMessage) {
        DataMessage message;
        try {
            message = DataMessage.parseFrom(dataMessage);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the plaintext is not a DataMessage", e);
        }
        return switch (message.getBodyCase()) {
            case TEXT -> new Text(message.getText());
            case ATTACHMENT -> new Media(message.getAttachment().getPointer(), message.getAttachment().getCaption());
            case REACTION -> new Reaction(MessageRef.of(message.getReaction().getTarget()),
                    message.getReaction().getEmoji(), message.getReaction().getRemove());
            case EDIT -> new Edit(MessageRef.of(message.getEdit().getTarget()), message.getEdit().getText());
            case DELETE -> new Delete(MessageRef.of(message.getDelete().getTarget()));
            case BODY_NOT_SET -> new Unsupported();
        };
    }
}
