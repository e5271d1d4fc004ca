package io.courier.edge;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.PresenceEvent;
import io.courier.api.v1.PresenceSubscribe;
import io.courier.presence.PresenceSubscriptions;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The presence side of one device stream: answers to its subscribe frames, refreshes, and the change notices that
 * follow them. Notices that arrive while current states are being looked up are held (at most {@code maxHeld}) and
 * go out behind those states, so a change never comes before the state it changed.
 *
 * <p>Confined to the stream's serial executor, like the stream.
 */
final class PresenceFeed {
    private final PresenceSubscriptions subscriptions;
    private final Outbound outbound;
    private final Scheduler serial;
    private final int maxHeld;
    private final List<ConnectResponse> held = new ArrayList<>();
    /** Lookups of current states in progress; notices are held while there are any. */
    private int lookups;

    PresenceFeed(PresenceSubscriptions subscriptions, Outbound outbound, Scheduler serial, int maxHeld) {
        this.subscriptions = subscriptions;
        this.outbound = outbound;
        this.serial = serial;
        this.maxHeld = maxHeld;
    }

    static ConnectResponse frame(PresenceEvent event) {
        return ConnectResponse.newBuilder().setPresence(event).build();
    }

    /** A change notice: written behind what the stream is writing, or held while a lookup runs. */
    boolean notice(ConnectResponse frame) {
        if (lookups == 0) {
            return outbound.notice(frame);
        }
        return held.size() < maxHeld && held.add(frame);
    }

    /** Replaces the stream's subscriptions; {@code answer} writes the current states or the refusal. */
    Mono<Void> subscribe(PresenceSubscribe request, Function<PresenceSubscriptions.Answer, Mono<Void>> answer) {
        lookups++;
        return subscriptions.replace(request).publishOn(serial).flatMap(answer)
                .doFinally(signal -> serial.schedule(this::looked));
    }

    /** The account's privacy changed: the watched states again, as the stream may see them now. */
    Mono<Void> refresh() {
        lookups++;
        return subscriptions.refresh().publishOn(serial)
                .doOnNext(events -> events.forEach(event -> notice(frame(event))))
                .doFinally(signal -> serial.schedule(this::looked))
                .then();
    }

    Mono<Void> close() {
        return subscriptions.close();
    }

    /** A lookup is over: what was held meanwhile goes out, behind the states it looked up. */
    private void looked() {
        if (--lookups == 0) {
            held.forEach(outbound::notice);
            held.clear();
        }
    }
}
