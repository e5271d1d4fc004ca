package io.courier.messaging;

import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;

import io.courier.cluster.DeviceAddress;
import reactor.core.publisher.Mono;

/**
 * Every device's queue: the head in the grid ({@link DeviceQueue}, on the device's partition owner with a
 * synchronous backup), written through to the append-only {@link DeviceLog}. An enqueue takes the device's next
 * sequences and holds the items in one atomic step, then stores them; it completes once they are in the log, and
 * only then may a SendAck go out. Readers take items from memory when they are there and from the log when not.
 */
public final class DeviceQueues implements MailboxStorage {
    static final String MAP = "courier-device-queues";

    private final IMap<DeviceAddress, DeviceQueue> map;
    private final DeviceLog log;
    private final DeviceQueue.Limits limits;
    private final Clock clock;

    DeviceQueues(IMap<DeviceAddress, DeviceQueue> map, DeviceLog log, DeviceQueue.Limits limits, Clock clock) {
        this.map = map;
        this.log = log;
        this.limits = limits;
        this.clock = clock;
    }

    /**
     * Appends items to a device's queue and stores them; completes with their sequences once they are durable.
     * {@code shared}: message ciphertexts are shared payloads stored under their server ids.
     */
    Mono<List<Queued>> enqueue(DeviceAddress to, List<? extends InboxItem> items, boolean shared) {
        List<InboxItem> copy = List.copyOf(items);
        return call(to, () -> new QueueOps.Enqueue(copy, clock.millis(), limits))
                .map(first -> IntStream.range(0, copy.size())
                        .mapToObj(i -> new Queued((Long) first + i, copy.get(i))).toList())
                .flatMap(queued -> log.append(to, queued, shared)
                        .then(Mono.fromRunnable(() -> map.submitToKey(to, new QueueOps.Stored(
                                queued.stream().map(Queued::seq).toList(), clock.millis(), limits))))
                        .thenReturn(queued));
    }

    @Override
    public Mono<Long> open(DeviceAddress device) {
        return call(device, QueueOps.Mark::new).map(Long.class::cast);
    }

    @Override
    public Mono<QueuePage> read(DeviceAddress device, long after, int limit, long maxBytes) {
        return call(device, () -> new QueueOps.Read(after, limit, maxBytes)).flatMap(result -> {
            QueueOps.ReadResult read = (QueueOps.ReadResult) result;
            if (read.logThrough() < 0) {
                List<Queued> items = read.items();
                return Mono.just(new QueuePage(items, items.isEmpty() ? after : items.get(items.size() - 1)
                        .seq()));
            }
            return log.read(device, after, read.logThrough(), limit);
        });
    }

    @Override
    public Mono<Void> advance(DeviceAddress device, long ackedThrough, boolean persist) {
        Mono<Void> grid = call(device, () -> new QueueOps.Advance(ackedThrough)).then();
        return persist ? grid.then(log.persistMark(device, ackedThrough)) : grid;
    }

    /** The items of the device's queue, still in memory, with these server ids. */
    @SuppressWarnings("unchecked")
    Mono<List<Queued>> find(DeviceAddress device, Set<Long> serverIds) {
        return call(device, () -> new QueueOps.Find(serverIds)).map(found -> (List<Queued>) found);
    }

    /**
     * Claims a client id on the sending device's queue: completes with the earlier attempt's record, or empty when
     * {@code candidate} won. Asks the log only when the queue's memory of sends is incomplete.
     */
    Mono<DeviceQueue.Send> claim(DeviceAddress sender, long clientId, DeviceQueue.Send candidate,
            SentMessages sent) {
        return call(sender, () -> new QueueOps.ClaimSend(clientId, candidate, false)).flatMap(result -> {
            if (result instanceof QueueOps.Earlier earlier) {
                return Mono.just(earlier.send());
            }
            if (result instanceof QueueOps.Claimed) {
                return Mono.<DeviceQueue.Send>empty();
            }
            return sent.find(sender, clientId)
                    .flatMap(stored -> call(sender, () -> new QueueOps.PutSend(clientId, stored)).thenReturn(stored))
                    .switchIfEmpty(Mono.defer(() -> call(sender, () -> new QueueOps.ClaimSend(clientId, candidate,
                            true)).flatMap(again -> again instanceof QueueOps.Earlier e ? Mono.just(e.send())
                                    : Mono.empty())));
        });
    }

    /** Every copy of the send is stored: later attempts get its SendAck at once. */
    Mono<Void> completed(DeviceAddress sender, long clientId, DeviceQueue.Send send) {
        return call(sender, () -> new QueueOps.PutSend(clientId, new DeviceQueue.Send(send.serverId(),
                send.serverTimeMillis(), true))).then();
    }

    /** A claim whose send was refused before anything was stored: a retry is a new send. */
    Mono<Void> forget(DeviceAddress sender, long clientId, long serverId) {
        return call(sender, () -> new QueueOps.Forget(clientId, serverId)).then();
    }

    /** A removed device's queue goes: its entry, and in the log a new epoch whose start is acked. */
    Mono<Void> drop(DeviceAddress device) {
        return Mono.fromCompletionStage(() -> map.removeAsync(device))
                .then(log.state(device))
                .flatMap(state -> state.exists() ? log.reset(device, state) : Mono.just(true))
                .flatMap(done -> done ? Mono.<Void>empty() : drop(device));
    }

    /** Runs an op on the device's entry, creating the entry first if it has none. */
    private Mono<Object> call(DeviceAddress device, Supplier<EntryProcessor<DeviceAddress, DeviceQueue, Object>> op) {
        return Mono.fromCompletionStage(() -> map.submitToKey(device, op.get()))
                .flatMap(result -> result == QueueOps.Missing.ENTRY
                        ? create(device).then(Mono.defer(() -> call(device, op)))
                        : Mono.just(result));
    }

    /**
     * Creates the device's entry under a new epoch taken with a compare-and-set, so its sequences are above every
     * sequence an earlier entry handed out; the acked-through mark comes from the log. When another node took the
     * epoch first, it creates the entry and the caller just asks again.
     */
    private Mono<Void> create(DeviceAddress device) {
        return log.state(device).flatMap(state -> log.takeEpoch(device, state)
                .flatMap(epoch -> Mono.fromCompletionStage(() -> map.submitToKey(device, new QueueOps.Init(epoch,
                        state.exists() ? state.ackedThrough() : Queued.firstOfEpoch(epoch) - 1, !state.exists())))))
                .then();
    }
}
