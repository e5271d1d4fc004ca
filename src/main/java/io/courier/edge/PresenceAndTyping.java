package io.courier.edge;

import io.courier.api.v1.PresenceSubscribe;
import io.courier.api.v1.Typing;
import io.courier.cluster.DeviceAddress;
import io.courier.messaging.Messenger;
import io.courier.presence.PresenceSubscriptions;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/** A stream's Typing and PresenceSubscribe frames: ephemeral, nothing of them is stored for the device. */
final class PresenceAndTyping {
    private final DeviceAddress device;
    private final Messenger messenger;
    /** Its typing bucket, made at the first Typing frame. */
    private final StreamBudgets budgets;
    private final PresenceFeed presence;
    private final Outbound outbound;
    private final Refusals refusals;
    private final Scheduler serial;

    PresenceAndTyping(DeviceAddress device, Messenger messenger, StreamBudgets budgets, PresenceFeed presence,
            Outbound outbound, Refusals refusals, Scheduler serial) {
        this.device = device;
        this.messenger = messenger;
        this.budgets = budgets;
        this.presence = presence;
        this.outbound = outbound;
        this.refusals = refusals;
        this.serial = serial;
    }

    Mono<Void> typing(Typing typing) {
        return refusals.within(budgets.typing(), "typing indicators")
                ? messenger.typing(device, typing).publishOn(serial).flatMap(refusals::refuse)
                : Mono.empty();
    }

    Mono<Void> subscribe(PresenceSubscribe request) {
        return presence.subscribe(request, this::answer);
    }

    /** The current states (or the refusal); the changes that came meanwhile follow ({@link PresenceFeed}). */
    private Mono<Void> answer(PresenceSubscriptions.Answer answer) {
        if (answer instanceof PresenceSubscriptions.Answer.Refused refused) {
            refusals.refuse(refused.error());
        } else {
            ((PresenceSubscriptions.Answer.Events) answer).events()
                    .forEach(event -> outbound.reply(PresenceFeed.frame(event)));
        }
        return Mono.empty();
    }
}
