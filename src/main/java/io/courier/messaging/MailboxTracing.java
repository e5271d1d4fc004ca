package io.courier.messaging;

import java.util.ArrayList;
import java.util.List;

import io.courier.common.MessageTracing;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The recipient's side of a message's trace, around a {@link DeviceMailbox}: {@code courier.deliver} when a traced
 * message is handed to the stream, {@code courier.ack} while the device's ack of it settles. Off, both return what
 * they are given.
 */
public final class MailboxTracing {
    private final MessageTracing tracing;

    public MailboxTracing(MessageTracing tracing) {
        this.tracing = tracing;
    }

    public MailboxOutlet outlet(MailboxOutlet outlet) {
        if (tracing == MessageTracing.OFF) {
            return outlet;
        }
        return new MailboxOutlet() {
            @Override
            public void deliver(InboxItem item) {
                outlet.deliver(item);
                tracing.mark(trace(item), "courier.deliver");
            }

            @Override
            public void queueEmpty() {
                outlet.queueEmpty();
            }

            @Override
            public void notDeliveredToYou(List<Long> serverIds) {
                outlet.notDeliveredToYou(serverIds);
            }

            @Override
            public void failed(Throwable error) {
                outlet.failed(error);
            }
        };
    }

    /** One ack span per traced message of the batch, each ending when the batch has settled. */
    public DeviceMailbox.AckSettler settler(DeviceMailbox.AckSettler settler) {
        if (tracing == MessageTracing.OFF) {
            return settler;
        }
        return (device, delivered, unknown) -> {
            Mono<List<Long>> settled = settler.settle(device, delivered, unknown).cache();
            List<Mono<List<Long>>> acks = new ArrayList<>();
            for (InboxItem item : delivered) {
                String trace = trace(item);
                if (trace != null) {
                    acks.add(tracing.step(trace, "courier.ack", null, settled));
                }
            }
            return acks.isEmpty() ? settled : Flux.merge(acks).then(settled);
        };
    }

    private static String trace(InboxItem item) {
        return item instanceof InboxItem.Message m ? m.trace() : null;
    }
}
