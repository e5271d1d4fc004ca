package io.courier.client;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A client with everything it receives collected in queues, for tests to take from in order. */
final class ClientHarness implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(20);

    final CourierClient client;
    final BlockingQueue<IncomingMessage> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<Tick> ticks = new LinkedBlockingQueue<>();
    final BlockingQueue<ConnectionEvent> events = new LinkedBlockingQueue<>();
    final BlockingQueue<MessageAction> actions = new LinkedBlockingQueue<>();
    final BlockingQueue<LinkedDeviceNotice> linkedDevices = new LinkedBlockingQueue<>();

    /** A new device registered for {@code phone} through {@code channel}, the code read from the test sender. */
    static ClientHarness registered(io.grpc.Channel channel, ClientStore store, String phone,
            io.courier.support.CapturingVerificationCodeSender codes) {
        CourierClient client = CourierClient.create(channel, store);
        var session = client.requestVerificationCode(phone).block();
        client.register(session, codes.lastCodeFor(phone), "phone").block();
        return new ClientHarness(client);
    }

    /** A new device linked to {@code primary}'s account: it shows its link key, the primary makes a code for it. */
    static CourierClient linkedTo(io.grpc.Channel channel, CourierClient primary, String name) {
        CourierClient client = CourierClient.create(channel, ClientStore.inMemory());
        client.link(primary.createLinkCode(client.linkKey()).block(), name).block();
        return client;
    }

    ClientHarness(CourierClient client) {
        this.client = client;
        client.incoming().subscribe(messages::add);
        client.ticks().subscribe(ticks::add);
        client.events().subscribe(events::add);
        client.actions().subscribe(actions::add);
        client.linkedDevices().subscribe(linkedDevices::add);
    }

    /** Connects and waits until the offline queue has been drained. */
    ClientHarness online() {
        client.connect();
        awaitEvent(ConnectionEvent.DRAINED);
        return this;
    }

    void awaitEvent(ConnectionEvent expected) {
        while (true) {
            ConnectionEvent event = take(events);
            if (event == expected) {
                return;
            }
        }
    }

    IncomingMessage nextMessage() {
        return take(messages);
    }

    MessageAction nextAction() {
        return take(actions);
    }

    LinkedDeviceNotice nextLinkedDevice() {
        return take(linkedDevices);
    }

    Tick nextTick() {
        return take(ticks);
    }

    private static <T> T take(BlockingQueue<T> queue) {
        try {
            T item = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (item == null) {
                throw new AssertionError("nothing arrived within " + WAIT.toSeconds() + " s");
            }
            return item;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
