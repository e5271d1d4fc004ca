package io.courier.client;

import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.Attachment;
import io.courier.api.v1.AttachmentPointer;
import io.courier.api.v1.MessageContent;

/**
 * What a message says, inside the end-to-end encryption ({@code MessageContent} in content.proto). Independent of
 * transport: encode it into the plaintext of a 1:1 {@link CourierClient#send} (or of a group message), decode what
 * {@link IncomingMessage#plaintext()} holds.
 */
public sealed interface Content permits Content.Text, Content.Media {
    record Text(String text) implements Content {
    }

    /** An image, video, voice note, audio file or document; {@code caption} may be empty. */
    record Media(AttachmentPointer pointer, String caption) implements Content {
    }

    static Content text(String text) {
        return new Text(text);
    }

    static Content media(UploadedMedia media, String caption) {
        return new Media(media.pointer(), caption);
    }

    default byte[] encode() {
        MessageContent.Builder content = MessageContent.newBuilder();
        if (this instanceof Text t) {
            content.setText(t.text());
        } else if (this instanceof Media m) {
            content.setAttachment(Attachment.newBuilder().setPointer(m.pointer()).setCaption(m.caption()));
        }
        return content.build().toByteArray();
    }

    /** @throws IllegalArgumentException if the plaintext is not a message content this SDK understands */
    static Content decode(byte[] plaintext) {
        MessageContent content;
        try {
            content = MessageContent.parseFrom(plaintext);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the plaintext is not a MessageContent", e);
        }
        return switch (content.getBodyCase()) {
            case TEXT -> new Text(content.getText());
            case ATTACHMENT -> new Media(content.getAttachment().getPointer(), content.getAttachment().getCaption());
            case BODY_NOT_SET -> throw new IllegalArgumentException("the message content has no body");
        };
    }
}
