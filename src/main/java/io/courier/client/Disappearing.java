package io.courier.client;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.courier.api.v1.DataMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Disappearing messages (content.proto, {@code DataMessage.expire_timer_seconds}): each chat's timer, kept in the
 * {@link ClientStore}, stamped on every data message this device sends and taken from every one it gets (a different
 * value is the timer being changed: {@link MessageAction.TimerChanged}). A message of a chat with a timer expires that
 * long after delivery (received: when decrypted; sent: when acknowledged): {@link MessageAction.Expired} then, also
 * after a restart, as the due times are stored.
 */
final class Disappearing {
    /**
     * "timer/" + chat id → the timer's seconds (4 bytes, 0: off) and the {@code sent_at_ms} of the message that set
     * it (8 bytes); no entry: off, never set.
     */
    private static final String TIMER = "timer/";
    /** "expiry/" + due time (16 hex digits, so keys sort by it) + "/" + author + "/" + sent_at_ms → nothing. */
    private static final String DUE = "expiry/";

    private final ClientStore store;
    private final Scheduler timer;
    private final LongSupplier clock;
    /** Hot like the other actions: kept for a first subscriber. Emitted from timer threads, so serialized by hand. */
    private volatile boolean closed;
    private final Sinks.Many<MessageAction> expired = Sinks.many().multicast().onBackpressureBuffer(4096, false);

    Disappearing(ClientStore store, Scheduler timer, LongSupplier clock) {
        this.store = store;
        this.timer = timer;
        this.clock = clock;
    }

    /** Schedules the expiries an earlier run stored; those past due are reported at once. */
    void resume() {
        store.entries(DUE).keySet().forEach(this::schedule);
    }

    /** Expiries still due stay stored for the next run, which reports them. */
    void close() {
        closed = true;
    }

    Flux<MessageAction> expirations() {
        return expired.asFlux();
    }

    /** A chat's timer and when (the author's {@code sent_at_ms}) the message that set it was sent. */
    private record Setting(Duration timer, long setAtMs) {
        static final Setting NEVER = new Setting(Duration.ZERO, Long.MIN_VALUE);
    }

    /** The chat's timer; zero when its messages don't disappear. */
    Duration timer(UUID chat) {
        return setting(chat).timer();
    }

    private Setting setting(UUID chat) {
        byte[] stored = store.get(TIMER + chat);
        if (stored == null) {
            return Setting.NEVER;
        }
        ByteBuffer bytes = ByteBuffer.wrap(stored);
        return new Setting(Duration.ofSeconds(Integer.toUnsignedLong(bytes.getInt())), bytes.getLong());
    }

    /** This user changed the chat's timer; the data message that tells the chat carries it. */
    void set(UUID chat, Duration timer) {
        if (timer.isNegative() || timer.getNano() != 0 || timer.toSeconds() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("a disappearing timer is whole seconds up to 2^32 - 1, or zero for"
                    + " off, not " + timer);
        }
        put(chat, new Setting(timer, clock.getAsLong()));
    }

    private void put(UUID chat, Setting setting) {
        store.put(TIMER + chat, ByteBuffer.allocate(Integer.BYTES + Long.BYTES)
                .putInt((int) setting.timer().toSeconds()).putLong(setting.setAtMs()).array());
    }

    /** The app's message with the chat's timer on it (an app's own value is replaced: proto3 can't tell it unset). */
    DataMessage stamp(UUID chat, DataMessage message) {
        return message.toBuilder().setExpireTimerSeconds((int) timer(chat).toSeconds()).build();
    }

    /**
     * A data message's timer, as its author's device knew it: a different one is the chat's timer being changed,
     * unless the message was sent before the setting the chat has now (a resend, or one delayed in a queue).
     */
    Optional<MessageAction> observe(UUID chat, UUID author, DataMessage message) {
        Duration theirs = Duration.ofSeconds(Integer.toUnsignedLong(message.getExpireTimerSeconds()));
        Setting current = setting(chat);
        if (theirs.equals(current.timer()) || message.getSentAtMs() < current.setAtMs()) {
            return Optional.empty();
        }
        put(chat, new Setting(theirs, message.getSentAtMs()));
        return Optional.of(new MessageAction.TimerChanged(chat, author, theirs));
    }

    /** A message just delivered (or sent): it expires after its timer from now, if it has one. */
    void delivered(MessageRef message, DataMessage content) {
        if (!disappears(content)) {
            return;
        }
        long due = clock.getAsLong() + Integer.toUnsignedLong(content.getExpireTimerSeconds()) * 1000;
        String key = DUE + String.format("%016x", due) + "/" + message.author() + "/" + message.sentAtMs();
        store.put(key, new byte[0]);
        schedule(key);
    }

    /** A message with no body that the receiver could know of: it only says what the chat's timer is now. */
    static boolean isTimerUpdate(DataMessage message) {
        return message.getBodyCase() == DataMessage.BodyCase.BODY_NOT_SET && message.getUnknownFields().asMap()
                .isEmpty();
    }

    /**
     * How long the server may keep the message's copies (OutgoingMessage.expire_after_seconds): its timer, except
     * for a timer update, which a device offline for longer than the timer must still get.
     */
    static int serverCap(DataMessage message) {
        return isTimerUpdate(message) ? 0 : message.getExpireTimerSeconds();
    }

    /** Shown messages disappear; actions go with their target and a timer update is not shown at all. */
    private static boolean disappears(DataMessage message) {
        return message.getExpireTimerSeconds() != 0 && !ActionRules.isAction(message) && !isTimerUpdate(message);
    }

    private void schedule(String key) {
        String[] parts = key.substring(DUE.length()).split("/");
        long due = Long.parseUnsignedLong(parts[0], 16);
        MessageRef message = new MessageRef(UUID.fromString(parts[1]), Long.parseLong(parts[2]));
        timer.schedule(() -> expire(key, message), Math.max(0, due - clock.getAsLong()), TimeUnit.MILLISECONDS);
    }

    private void expire(String key, MessageRef message) {
        if (closed) {
            return;
        }
        boolean told;
        synchronized (expired) {
            told = expired.tryEmitNext(new MessageAction.Expired(message)).isSuccess();
        }
        if (told) {
            store.remove(key); // not before: a notice the app's buffer refused is told again after a restart
        }
    }
}
