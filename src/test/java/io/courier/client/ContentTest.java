package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;

import io.courier.api.v1.DataMessage;
import io.courier.api.v1.Quote;
import io.courier.api.v1.SessionAck;

/**
 * The end-to-end Content as the SDK reads it: what a newer client adds (fields, kinds of content) is skipped, never
 * taken for an error, and never costs the parts this version knows.
 */
class ContentTest {
    private static final int NEWER_FIELD = 99;
    private static final UUID ALICE = UUID.randomUUID();

    private static UnknownFieldSet newerField(int number, String value) {
        return UnknownFieldSet.newBuilder().addField(number, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(ByteString.copyFromUtf8(value)).build()).build();
    }

    @Test
    void aContentWithUnknownFieldsKeepsItsTextAndHandsTheUnknownOnesOn() throws Exception {
        DataMessage fromNewerClient = DataMessage.newBuilder().setText("still readable").setSentAtMs(1234)
                .setUnknownFields(newerField(NEWER_FIELD, "a feature of tomorrow")).build();
        io.courier.api.v1.Content content = io.courier.api.v1.Content.newBuilder().setDataMessage(fromNewerClient)
                .setUnknownFields(newerField(NEWER_FIELD, "and one beside it")).build();

        io.courier.api.v1.Content opened = Plaintext.open(Plaintext.seal(content));

        assertThat(opened.getDataMessage().getText()).isEqualTo("still readable");
        byte[] forTheApp = opened.getDataMessage().toByteArray();
        assertThat(Content.decode(forTheApp)).isEqualTo(new Content.Text("still readable"));
        assertThat(DataMessage.parseFrom(forTheApp).getUnknownFields().hasField(NEWER_FIELD))
                .as("the app gets the field it may know").isTrue();
    }

    @Test
    void aContentOfAnUnknownKindOpensAsUnsetInsteadOfFailing() throws Exception {
        io.courier.api.v1.Content newerKind = io.courier.api.v1.Content.newBuilder()
                .setUnknownFields(newerField(40, "a kind of content from tomorrow")).build();

        io.courier.api.v1.Content opened = Plaintext.open(Plaintext.seal(newerKind));

        assertThat(opened.getContentCase()).isEqualTo(io.courier.api.v1.Content.ContentCase.CONTENT_NOT_SET);
    }

    @Test
    void aDataMessageWithABodyOfTomorrowIsUnsupportedNotAnError() {
        byte[] unknownBody = DataMessage.newBuilder().setSentAtMs(1).setUnknownFields(newerField(30, "sticker"))
                .build().toByteArray();
        assertThat(Content.decode(unknownBody)).isEqualTo(new Content.Unsupported());
    }

    @Test
    void reactionsEditsAndDeletesRoundTripWithTheirReference() {
        MessageRef target = new MessageRef(ALICE, 1_700_000_000_123L);
        for (Content content : new Content[] { new Content.Reaction(target, "👍", false),
                new Content.Reaction(target, "", true), new Content.Edit(target, "fixed the typo"),
                new Content.Delete(target) }) {
            assertThat(Content.decode(content.encode())).isEqualTo(content);
        }
    }

    @Test
    void aQuoteAndTheTimerTravelOnTheDataMessageAsTheAppSetThem() throws Exception {
        DataMessage reply = DataMessage.parseFrom(Content.text("yes!").encode()).toBuilder()
                .setQuote(Quote.newBuilder().setTarget(new MessageRef(ALICE, 42).toProto()).setText("coming?"))
                .setExpireTimerSeconds(86_400).build();
        io.courier.api.v1.Content opened = Plaintext.open(Plaintext.seal(
                io.courier.api.v1.Content.newBuilder().setDataMessage(reply).build()));
        assertThat(opened.getDataMessage()).isEqualTo(reply);
        assertThat(MessageRef.of(opened.getDataMessage().getQuote().getTarget())).isEqualTo(new MessageRef(ALICE, 42));
    }

    @Test
    void aReferenceWithAMalformedAuthorIsRefused() {
        byte[] reaction = DataMessage.newBuilder().setReaction(io.courier.api.v1.Reaction.newBuilder()
                .setTarget(io.courier.api.v1.MessageRef.newBuilder().setAuthorAccountId(ByteString.copyFrom(
                        new byte[] { 1, 2, 3 })).setSentAtMs(5)).setEmoji("👍")).build().toByteArray();
        assertThatThrownBy(() -> Content.decode(reaction)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a message reference's author id has 3 bytes, not 16");
    }

    @Test
    void anEmptySessionAckIsStillASessionAck() throws Exception {
        io.courier.api.v1.Content ack = io.courier.api.v1.Content.newBuilder()
                .setSessionAck(SessionAck.getDefaultInstance()).build();
        assertThat(ack.toByteArray()).as("a message field is on the wire even when empty").hasSize(2);
        assertThat(Plaintext.open(Plaintext.seal(ack)).hasSessionAck()).isTrue();
    }
}
