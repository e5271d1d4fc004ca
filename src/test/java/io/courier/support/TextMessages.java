package io.courier.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.client.Content;
import io.courier.client.IncomingMessage;

/** Text messages as an app hands them to the SDK (a serialized DataMessage) and gets them back. */
public final class TextMessages {
    private TextMessages() {
    }

    public static byte[] text(String text) {
        return Content.text(text).encode();
    }

    /** The message's text; fails the test if it is anything but a text message. */
    public static String text(IncomingMessage message) {
        Content content = Content.decode(message.plaintext());
        assertThat(content).as("message " + message.serverId()).isInstanceOf(Content.Text.class);
        return ((Content.Text) content).text();
    }
}
