package io.courier.messaging;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import org.jboss.logging.Logger;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.map.impl.MapEntries;
import com.hazelcast.map.impl.MapService;
import com.hazelcast.partition.PartitionService;
import com.hazelcast.spi.impl.AbstractDistributedObject;
import com.hazelcast.spi.impl.NodeEngine;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.HazelcastMembers;
import io.courier.cluster.OwnerSweep;
import io.courier.cluster.Presence;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Every device's queue: the head in the grid ({@link DeviceQueue}, on the device's partition owner with a
 * synchronous backup) over the append-only {@link DeviceLog}. An enqueue takes the device's next sequences and holds
 * the items in one atomic step. Then, in write-through mode, it stores them in the log before it completes; in hold
 * mode it completes at once — the items are in two members' memory — and the queue's owner writes what is still
 * un-acked after {@code hold} to the log ({@link #spill}), so an item acked within the hold never touches the
 * database. Hold mode needs a second copy: with one member, during a migration or just after a membership change,
 * and with a hold of 0, every enqueue writes through. Readers take items from memory when they are there and from
 * the log when not.
 */
public final class DeviceQueues implements MailboxStorage, MembershipListener {
    static final String MAP = "courier-device-queues";
    private static final Logger LOG = Logger.getLogger(DeviceQueues.class);
    private static final Duration INDETERMINATE_BACKOFF = Duration.ofMillis(50);
    private static final Duration SHUTDOWN_FLUSH = Duration.ofSeconds(5);
    /**
     * How long a send's completion waits for a ride on its device's entry: the device's mark moves when it acks the
     * message's receipt (a round trip to the recipient's device and back, plus the mark's own linger), and its next
     * send claims an id. Short beside a phone's resend timer.
     */
    static final Duration COMPLETION_LINGER = Duration.ofMillis(250);

    private final HazelcastInstance hazelcast;
    private final IMap<DeviceAddress, DeviceQueue> map;
    private final DeviceLog log;
    private final DeviceQueue.Limits limits;
    /** How long send records may live in memory alone before they are logged, all of a device's together. */
    private final Duration sendFlush;
    private final Clock clock;
    /**
     * Every partition has a filled backup on a live member: what only memory holds is held twice. Refreshed
     * periodically.
     */
    private volatile boolean twoCopies;
    /** Every partition has a filled backup on a member of another backup group, whatever the hold. */
    private volatile boolean replicated;
    /**
     * The grid had two copies here, or this member has had peers: only then can a local queue hold something the
     * log lacks (items in hold mode, send records whenever replicated), so a lone member never scans for spills.
     */
    private volatile boolean everHeld;
    private final AtomicBoolean spilling = new AtomicBoolean();
    /** Items and send records this member wrote to the log after the hold (a meter reads it). */
    private final LongAdder spilled = new LongAdder();
    private volatile Disposable spills = () -> { };
    private final SendCompletions completions;
    private final MarkMoves marks;

    DeviceQueues(HazelcastInstance hazelcast, DeviceLog log, DeviceQueue.Limits limits, Duration sendFlush,
            Clock clock) {
        this(hazelcast, log, limits, sendFlush, clock, COMPLETION_LINGER);
    }

    /** @param completionLinger how long a send's completion waits for a ride ({@link SendCompletions}) */
    DeviceQueues(HazelcastInstance hazelcast, DeviceLog log, DeviceQueue.Limits limits, Duration sendFlush,
            Clock clock, Duration completionLinger) {
        this.hazelcast = hazelcast;
        this.map = hazelcast.getMap(MAP);
        this.log = log;
        this.limits = limits;
        this.sendFlush = sendFlush;
        this.clock = clock;
        this.completions = new SendCompletions(completionLinger,
                (device, ride) -> alone(device, ride).subscribe(null, e -> { }));
        this.marks = new MarkMoves(new MarkMoves.Mover() {
            @Override
            public Mono<MarkMoves.Moved> alone(DeviceAddress device, long mark) {
                return callCarrying(device, () -> new QueueOps.Advance(mark), false).map(result -> result
                        == QueueOps.Missing.ENTRY ? new MarkMoves.Moved(Set.of(device), Set.of())
                        : new MarkMoves.Moved(Set.of(), Boolean.TRUE.equals(result) ? Set.of(device) : Set.of()));
            }

            @Override
            public Mono<MarkMoves.Moved> together(int partition, Map<DeviceAddress, Long> moves) {
                return advanceEach(partition, moves);
            }

            @Override
            public Mono<Boolean> creating(DeviceAddress device, long mark) {
                // The move just found no entry: create it first rather than ask once more.
                return create(device).then(callCarrying(device, () -> new QueueOps.Advance(mark), true))
                        .map(Boolean.TRUE::equals);
            }
        }, device -> hazelcast.getPartitionService().getPartition(device).getPartitionId());
    }

    /**
     * One synchronous backup. Changed by entry processors on every enqueue and ack: kept as objects, not
     * re-serialized each time. An entry idle for {@code idle} goes (the log's mark covers every logged item it
     * passed, written when its stream ended at the latest; the next use takes a new epoch) unless it counts messages
     * waiting for its inbox quota: its owner keeps those ({@link #keepCounted}), so a stranger can't refill a quota
     * by pausing.
     */
    public static MapConfig mapConfig(Duration idle) {
        return new MapConfig(MAP).setBackupCount(1).setAsyncBackupCount(0).setInMemoryFormat(InMemoryFormat.OBJECT)
                .setMaxIdleSeconds((int) idle.toSeconds());
    }

    /**
     * Spills every {@code interval} from now on, and checks as often whether every partition has a filled backup,
     * until {@link #close()} or until this member shuts down (the node drain shuts it down before the beans go).
     * Both block on the grid (a safety check waits out a dead member's timeouts), so each runs on a thread of its
     * own.
     */
    void start(Duration interval, Duration idle) {
        hazelcast.getCluster().addMembershipListener(this);
        Scheduler checker = Schedulers.newSingle("courier-queue-safety");
        Disposable checking = Flux.interval(Duration.ZERO, interval, checker).onBackpressureDrop()
                .subscribe(tick -> refreshCopies());
        spills = Disposables.composite(OwnerSweep.every(hazelcast, "courier-queue-spill", interval, this::spill),
                OwnerSweep.every(hazelcast, "courier-queue-keep", idle.dividedBy(3), this::keepCounted),
                checking, checker);
        hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN) {
                close();
            }
        });
    }

    /** Stops the sweeps; completions still waiting for a ride go now, while the grid still takes them. */
    void close() {
        spills.dispose();
        Mono<Void> flush = Flux.fromIterable(completions.takeAll().entrySet())
                .flatMap(waiting -> alone(waiting.getKey(), waiting.getValue()).onErrorResume(e -> Mono.empty()))
                .then();
        if (Schedulers.isInNonBlockingThread()) {
            flush.subscribe();
        } else {
            flush.timeout(SHUTDOWN_FLUSH, Mono.empty()).block(); // what is left then: a retry stores again
        }
    }

    /** Whether enqueues complete on the grid's two copies alone (else they write through to the log). */
    public boolean holding() {
        return twoCopies;
    }

    /**
     * Whether the grid keeps every entry on two members now, hold or no hold: state the grid holds is then as
     * durable as two members' memory (the tick ledger holds ticks then, even when items are written through).
     */
    boolean replicated() {
        return replicated;
    }

    /**
     * Appends items to a device's queue; completes with their sequences once they are durable: in the log, or, in
     * hold mode, in two members' memory. {@code shared}: message ciphertexts are shared payloads stored under their
     * server ids. Fails with {@link InboxUsage.Full}, having stored nothing, when the device's inbox quota has no
     * room for the messages among them.
     */
    Mono<Messenger.Enqueued> enqueue(DeviceAddress to, List<? extends InboxItem> items, boolean shared) {
        return enqueue(to, items, shared, true);
    }

    /**
     * {@code enforce} false: counted against the inbox quota but never refused (a retry of an admitted send). The
     * result says where the device's stream was when the items landed, for the push.
     */
    private Mono<Messenger.Enqueued> enqueue(DeviceAddress to, List<? extends InboxItem> items, boolean shared,
            boolean enforce) {
        List<InboxItem> copy = List.copyOf(items);
        return call(to, () -> new QueueOps.Enqueue(to.accountId(), copy, shared, enforce, clock.millis(), limits))
                .flatMap(result -> result instanceof InboxUsage.NoRoom noRoom
                        ? Mono.error(new InboxUsage.Full(noRoom)) : Mono.just((QueueOps.Landed) result))
                .map(landed -> new Messenger.Enqueued(to, IntStream.range(0, copy.size())
                        .mapToObj(i -> new Queued(landed.first() + i, copy.get(i))).toList(), null, landed.stream()))
                // Asked when the enqueue is done, not before: a member that left meanwhile may have taken the
                // backup with it (the op is then retried and completes on a partition with no backup yet).
                .flatMap(e -> twoCopies ? Mono.just(e) : log.append(to, e.items(), shared, clock.instant())
                        .then(Mono.fromRunnable(() -> map.submitToKey(to, new QueueOps.Stored(
                                e.items().stream().map(Queued::seq).toList(), Set.of(), clock.millis(), limits))))
                        .thenReturn(e));
    }

    /**
     * One item to each of many devices (a group copy to every member device); completes with each device's
     * result once all are durable, a device without room getting nothing ({@code noRoom} says why). One grid
     * operation per partition takes the sequences of every device there and completes once its synchronous backup
     * holds them too ({@link BackedUpEntries}): in hold mode that makes them durable; written through, the copies go
     * to the log and one more operation tells the entries so.
     */
    Flux<Messenger.Enqueued> enqueueToEach(Collection<DeviceAddress> devices, InboxItem item, boolean shared) {
        return Flux.defer(() -> {
            PartitionService partitions = hazelcast.getPartitionService();
            Map<Integer, Set<DeviceAddress>> byPartition = new HashMap<>();
            devices.forEach(to -> byPartition.computeIfAbsent(partitions.getPartition(to).getPartitionId(),
                    p -> new HashSet<>()).add(to));
            // Every partition's operation at once: each is small, and the last member's copy waits for the last.
            return Flux.fromIterable(byPartition.entrySet()).flatMap(
                    partition -> onePartition(partition.getKey(), partition.getValue(), item, shared),
                    Math.max(1, byPartition.size()));
        });
    }

    /** {@link #enqueueToEach} for the devices of one partition. */
    private Flux<Messenger.Enqueued> onePartition(int partition, Set<DeviceAddress> devices, InboxItem item,
            boolean shared) {
        return backedUp(partition, devices, new QueueOps.EnqueueEach(item, shared, clock.millis(), limits))
                .retryWhen(againIfIndeterminate())
                // Asked when the enqueue is done, as a single one does.
                .flatMapMany(results -> twoCopies
                        ? Flux.fromIterable(devices).flatMap(to -> held(to, results.get(to), item, shared))
                        : written(devices, results, item, shared));
    }

    /**
     * A member left while the op ran: it may or may not have been applied and backed up. Every op is safe to run
     * again (an enqueue run twice leaves a second copy under the same server id, which devices see once); an
     * enqueue never counts as durable until one run says so.
     */
    private static Retry againIfIndeterminate() {
        return Retry.backoff(3, INDETERMINATE_BACKOFF).filter(e -> e instanceof IndeterminateOperationStateException);
    }

    /**
     * Runs the processor on the devices of one partition as one operation that completes after the partition's
     * synchronous backup applied it too; each device's answer.
     */
    private Mono<Map<DeviceAddress, Object>> backedUp(int partition, Set<DeviceAddress> devices,
            EntryProcessor<DeviceAddress, DeviceQueue, Object> processor) {
        NodeEngine engine = ((AbstractDistributedObject<?>) map).getNodeEngine();
        SerializationService serialization = engine.getSerializationService();
        return Mono.fromCompletionStage(() -> {
            Set<Data> keys = new HashSet<>();
            devices.forEach(device -> keys.add(serialization.toData(device)));
            return engine.getOperationService().<MapEntries>invokeOnPartition(MapService.SERVICE_NAME,
                    new BackedUpEntries(MAP, keys, processor), partition);
        }).map(entries -> {
            Map<DeviceAddress, Object> results = new HashMap<>();
            for (int i = 0; i < entries.size(); i++) {
                results.put(serialization.toObject(entries.getKey(i)), serialization.toObject(entries.getValue(i)));
            }
            return results;
        });
    }

    /** One device's answer to {@link QueueOps.EnqueueEach} in hold mode: landed is durable. */
    private Mono<Messenger.Enqueued> held(DeviceAddress to, Object result, InboxItem item, boolean shared) {
        if (result instanceof QueueOps.Landed landed) {
            return Mono.just(new Messenger.Enqueued(to, List.of(new Queued(landed.first(), item)), null,
                    landed.stream()));
        }
        return refusedOrAlone(to, result, item, shared);
    }

    /** Written through: each landed copy to the log, then one operation lets memory drop what the log has. */
    private Flux<Messenger.Enqueued> written(Set<DeviceAddress> devices, Map<DeviceAddress, Object> results,
            InboxItem item, boolean shared) {
        return Flux.fromIterable(devices)
                .flatMap(to -> logged(to, results.get(to), item, shared))
                .collectList()
                .flatMapMany(enqueued -> {
                    Map<DeviceAddress, Long> logged = new HashMap<>();
                    enqueued.forEach(e -> e.items().forEach(q -> logged.put(e.to(), q.seq())));
                    if (!logged.isEmpty()) { // only lets memory drop what the log has: nobody waits for it
                        map.submitToKeys(logged.keySet(), new QueueOps.StoredEach(logged, clock.millis(), limits));
                    }
                    return Flux.fromIterable(enqueued);
                });
    }

    /** One device's answer to {@link QueueOps.EnqueueEach}, its copy written through to the log. */
    private Mono<Messenger.Enqueued> logged(DeviceAddress to, Object result, InboxItem item, boolean shared) {
        if (result instanceof QueueOps.Landed landed) {
            List<Queued> items = List.of(new Queued(landed.first(), item));
            return log.append(to, items, shared, clock.instant())
                    .thenReturn(new Messenger.Enqueued(to, items, null, landed.stream()));
        }
        return refusedOrAlone(to, result, item, shared);
    }

    /** A device {@link QueueOps.EnqueueEach} refused, or one without an entry yet: enqueued alone. */
    private Mono<Messenger.Enqueued> refusedOrAlone(DeviceAddress to, Object result, InboxItem item,
            boolean shared) {
        if (result instanceof InboxUsage.NoRoom noRoom) {
            return Mono.just(nothingFor(to, noRoom));
        }
        // No entry yet: created the way every op's is, and made durable by that enqueue.
        return enqueue(to, List.of(item), shared)
                .onErrorResume(InboxUsage.Full.class, full -> Mono.just(nothingFor(to, full.reason())));
    }

    private static Messenger.Enqueued nothingFor(DeviceAddress to, InboxUsage.NoRoom reason) {
        return new Messenger.Enqueued(to, List.of(), reason, StreamSighting.UNKNOWN);
    }

    /**
     * One item to each device, in parallel; completes once all are durable. A device whose inbox quota has no room
     * gets nothing: its entry carries no items and the reason ({@code enforce} false: none is refused).
     */
    Mono<List<Messenger.Enqueued>> enqueueEach(List<Messenger.Addressed> copies, boolean enforce) {
        return Flux.fromIterable(copies)
                .flatMap(c -> enqueue(c.to(), List.of(c.item()), false, enforce)
                        .onErrorResume(InboxUsage.Full.class, full -> Mono.just(nothingFor(c.to(), full.reason()))))
                .collectList();
    }

    /**
     * Writes to the log what this member's queues held longer than the hold without an ack (in sequence order per
     * device), and their send records once one is {@code sendFlush} old, then lets memory drop it. Runs on every
     * member, periodically; a member that took over a dead one's partitions spills their items too.
     */
    Mono<Void> spill() {
        if (!everHeld || !spilling.compareAndSet(false, true)) {
            return Mono.empty();
        }
        long now = clock.millis();
        long itemCutoff = now - limits.holdMillis();
        long sendCutoff = now - Math.max(limits.holdMillis(), sendFlush.toMillis());
        return Flux.defer(() -> Flux.fromIterable(map.localKeySet(new QueueOps.NeedsSpill(itemCutoff, sendCutoff))))
                .flatMap(device -> call(device, () -> new QueueOps.TakeSpill(itemCutoff, sendCutoff))
                        .flatMap(work -> write(device, (DeviceQueue.Spill) work)), 16)
                .then()
                .doOnError(e -> LOG.warnf("Spilling device queues failed (%s); retrying at the next interval",
                        e.toString()))
                .onErrorResume(e -> Mono.empty())
                .doFinally(signal -> spilling.set(false));
    }

    private Mono<Void> write(DeviceAddress device, DeviceQueue.Spill work) {
        if (work.isEmpty()) {
            return Mono.empty();
        }
        List<Long> seqs = new ArrayList<>();
        work.items().forEach(q -> seqs.add(q.seq()));
        work.sharedItems().forEach(q -> seqs.add(q.seq()));
        return log.append(device, work.items(), false, clock.instant())
                .and(log.append(device, work.sharedItems(), true, clock.instant()))
                .and(log.recordSends(device, work.sends()))
                .then(call(device, () -> new QueueOps.Stored(seqs, work.sends().keySet(), clock.millis(), limits)))
                .doOnSuccess(stored -> spilled.add(seqs.size() + work.sends().size()))
                .then();
    }

    /**
     * Touches this member's entries that count messages for their device's inbox quota, so none goes idle while its
     * counts matter (an update resets the idle time; the counts leave with the mark or the log's TTL).
     */
    Mono<Void> keepCounted() {
        return Flux.defer(() -> Flux.fromIterable(map.localKeySet(new QueueOps.CountsWaiting())))
                .flatMap(device -> Mono.fromCompletionStage(() -> map.submitToKey(device,
                        new QueueOps.Touch(clock.millis(), limits))), 16)
                .then()
                .onErrorResume(e -> Mono.empty()); // the next pass touches them again, well within the idle time
    }

    /** Items and send records spilled by this member so far. */
    long spilledCount() {
        return spilled.sum();
    }

    /** Device queue entries whose primary this member holds. */
    long ownedQueues() {
        return map.getLocalMapStats().getOwnedEntryCount();
    }

    void refreshCopies() {
        boolean backedUp;
        try {
            backedUp = HazelcastMembers.backupGroups(hazelcast.getCluster().getMembers()) > 1
                    && HazelcastMembers.everyPartitionBackedUp(((AbstractDistributedObject<?>) map).getNodeEngine());
        } catch (RuntimeException unanswered) {
            backedUp = false; // writing through is right whatever the grid's state; the next check asks again
        }
        replicated = backedUp;
        boolean safe = backedUp && limits.holdMillis() > 0;
        if (safe != twoCopies) {
            LOG.infof("Device queues %s", safe ? "hold items in two members' memory for " + limits.holdMillis()
                    + " ms" : "write every item through to the log");
        }
        twoCopies = safe;
        everHeld |= backedUp; // send records are held whenever the grid has two copies, hold or not
    }

    /** A member joined or left: write through until the next check finds every backup in sync. */
    @Override
    public void memberAdded(MembershipEvent event) {
        twoCopies = false;
        replicated = false;
        everHeld = true; // this member may own entries another one held in memory only
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
        twoCopies = false;
        replicated = false;
        everHeld = true;
        // Its streams are gone: entries that knew a stream there say "none" (wake the device), as the presence
        // directory does. One pass over every partition, by the oldest member left; the call blocks, so not on
        // Hazelcast's event thread.
        if (!hazelcast.getCluster().getMembers().iterator().next().localMember()) {
            return;
        }
        String gone = event.getMember().getUuid().toString();
        Mono.fromRunnable(() -> map.executeOnEntries(new QueueOps.MemberLeft(gone), new QueueOps.StreamOn(gone)))
                .subscribeOn(Schedulers.boundedElastic())
                .subscribe(null, e -> LOG.warnf("Forgetting the streams of member %s failed (%s); their devices are"
                        + " pushed to it until they reconnect", gone, e.toString()));
    }

    @Override
    public Mono<Opening> open(DeviceAddress device, Presence stream, int limit, long maxBytes) {
        return call(device, () -> new QueueOps.Opened(stream, limit, maxBytes)).flatMap(result -> {
            QueueOps.OpenedAt opened = (QueueOps.OpenedAt) result;
            return page(device, opened.mark(), limit, opened.first())
                    .map(first -> new Opening(opened.mark(), opened.logged(), first));
        });
    }

    @Override
    public Mono<Void> closed(DeviceAddress device, Presence stream) {
        return call(device, () -> new QueueOps.Closed(stream)).then();
    }

    @Override
    public Mono<QueuePage> read(DeviceAddress device, long after, int limit, long maxBytes) {
        return call(device, () -> new QueueOps.Read(after, limit, maxBytes))
                .flatMap(result -> page(device, after, limit, (QueueOps.ReadResult) result));
    }

    /** A read's page: what memory answered, or the log range it pointed to. */
    private Mono<QueuePage> page(DeviceAddress device, long after, int limit, QueueOps.ReadResult read) {
        if (read.logThrough() < 0) {
            List<Queued> items = read.items();
            return Mono.just(new QueuePage(items, items.isEmpty() ? after : items.get(items.size() - 1).seq()));
        }
        return log.read(device, after, read.logThrough(), limit);
    }

    /** Writing through, every item is in the log: the answer is then yes (even for a move that passed nothing). */
    @Override
    public Mono<Boolean> advance(DeviceAddress device, long ackedThrough) {
        return marks.move(device, ackedThrough).map(passedLogged -> passedLogged || !twoCopies);
    }

    @Override
    public Mono<Void> persistMark(DeviceAddress device, long ackedThrough) {
        // One grid operation after the compare-and-set (none if the entry is gone: its successor starts from the
        // log's mark; none if the log's row is gone), so a later stream that moves nothing skips the Paxos round at
        // its end.
        return log.persistMark(device, ackedThrough)
                .filter(Boolean::booleanValue)
                .flatMap(holds -> once(device, () -> new QueueOps.Logged(ackedThrough)))
                .then();
    }

    /**
     * The marks of many devices of one partition in one operation that completes once its backup applied it too,
     * each device's waiting send completions riding its move; completes with the devices that have no entry (not
     * moved; their completions wait again) and those whose move passed a logged item. A failed operation leaves the
     * completions waiting.
     */
    private Mono<MarkMoves.Moved> advanceEach(int partition, Map<DeviceAddress, Long> moves) {
        return Mono.defer(() -> {
            Map<DeviceAddress, SendCompletions.Ride> rides = new HashMap<>();
            Map<DeviceAddress, List<Long>> riding = new HashMap<>();
            moves.keySet().forEach(device -> {
                SendCompletions.Ride ride = completions.take(device);
                if (ride != null) {
                    rides.put(device, ride);
                    riding.put(device, List.copyOf(ride.clientIds()));
                }
            });
            return backedUp(partition, moves.keySet(), new QueueOps.AdvanceEach(Map.copyOf(moves), riding))
                    .retryWhen(againIfIndeterminate())
                    .doOnError(e -> rides.forEach(completions::putBack))
                    .map(results -> {
                        Set<DeviceAddress> missing = new HashSet<>();
                        Set<DeviceAddress> passedLogged = new HashSet<>();
                        moves.keySet().forEach(device -> {
                            SendCompletions.Ride ride = rides.get(device);
                            if (Boolean.TRUE.equals(results.get(device))) {
                                passedLogged.add(device);
                            }
                            if (results.get(device) == QueueOps.Missing.ENTRY) {
                                missing.add(device);
                                if (ride != null) {
                                    completions.putBack(device, ride);
                                }
                            } else if (ride != null) {
                                ride.settle(null);
                            }
                        });
                        return new MarkMoves.Moved(missing, passedLogged);
                    });
        });
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
    Mono<DeviceQueue.Send> claim(DeviceAddress sender, long clientId, DeviceQueue.Send candidate) {
        return callCarrying(sender, () -> new QueueOps.ClaimSend(clientId, candidate, false), true).flatMap(result -> {
            if (result instanceof QueueOps.Earlier earlier) {
                return Mono.just(earlier.send());
            }
            if (result instanceof QueueOps.Claimed) {
                return Mono.<DeviceQueue.Send>empty();
            }
            return log.findSend(sender, clientId)
                    .flatMap(stored -> call(sender, () -> new QueueOps.PutSend(clientId, stored)).thenReturn(stored))
                    .switchIfEmpty(Mono.defer(() -> call(sender, () -> new QueueOps.ClaimSend(clientId, candidate,
                            true)).flatMap(again -> again instanceof QueueOps.Earlier e ? Mono.just(e.send())
                                    : Mono.empty())));
        });
    }

    /**
     * Every copy of the send is stored: later attempts get its SendAck at once. Completes when the entry says so;
     * the completion rides the device's next change of its entry ({@link SendCompletions}).
     */
    Mono<Void> completedSoon(DeviceAddress sender, long clientId) {
        return completions.add(sender, clientId);
    }

    /** {@link #completedSoon}, at once, with whatever completions of the device wait: a retry waits for it. */
    Mono<Void> completed(DeviceAddress sender, long clientId) {
        return Mono.defer(() -> {
            Mono<Void> landed = completions.add(sender, clientId);
            SendCompletions.Ride ride = completions.take(sender);
            // None: another caller took the ride, and settles it.
            return ride == null ? landed : alone(sender, ride).then(landed);
        });
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

    /** A deleted account's device: its entry, its log, its send records and its queue state all go. */
    Mono<Void> erase(DeviceAddress device) {
        return Mono.fromCompletionStage(() -> map.removeAsync(device)).then(log.erase(device));
    }

    /**
     * {@link #call} (or {@link #once} unless {@code create}), with the device's waiting send completions riding on
     * the op.
     */
    private Mono<Object> callCarrying(DeviceAddress device,
            Supplier<EntryProcessor<DeviceAddress, DeviceQueue, Object>> op, boolean create) {
        return Mono.defer(() -> {
            SendCompletions.Ride ride = completions.take(device);
            return ride == null ? (create ? call(device, op) : once(device, op)) : carrying(device, ride, op, create);
        });
    }

    /**
     * A carrier that fails, is cancelled or finds no entry leaves the completions waiting for the next. Only the
     * first of those outcomes counts: a caller's cancel can follow the answer.
     */
    private Mono<Object> carrying(DeviceAddress device, SendCompletions.Ride ride,
            Supplier<EntryProcessor<DeviceAddress, DeviceQueue, Object>> op, boolean create) {
        Supplier<EntryProcessor<DeviceAddress, DeviceQueue, Object>> carried =
                () -> new QueueOps.Completing(ride.clientIds(), op.get());
        AtomicBoolean handled = new AtomicBoolean();
        Runnable putBack = () -> {
            if (handled.compareAndSet(false, true)) {
                completions.putBack(device, ride);
            }
        };
        return (create ? call(device, carried) : once(device, carried))
                .doOnSuccess(result -> {
                    if (result == QueueOps.Missing.ENTRY) {
                        putBack.run();
                    } else if (handled.compareAndSet(false, true)) {
                        ride.settle(null);
                    }
                })
                .doOnError(e -> putBack.run())
                .doOnCancel(putBack);
    }

    /** Send completions that found no op to ride; if this fails, a retry of the send stores its copies again. */
    private Mono<Object> alone(DeviceAddress device, SendCompletions.Ride ride) {
        return call(device, () -> new QueueOps.CompleteSends(ride.clientIds()))
                .doOnSuccess(result -> ride.settle(null))
                .doOnError(ride::settle)
                .doOnCancel(() -> ride.settle(new CancellationException("the completion's call was cancelled")));
    }

    /** Runs an op on the device's entry, creating the entry first if it has none. */
    private Mono<Object> call(DeviceAddress device, Supplier<EntryProcessor<DeviceAddress, DeviceQueue, Object>> op) {
        return once(device, op)
                .flatMap(result -> result == QueueOps.Missing.ENTRY
                        ? create(device).then(Mono.defer(() -> call(device, op)))
                        : Mono.just(result));
    }

    /** Runs an op on the device's entry; {@link QueueOps.Missing#ENTRY} if it has none. */
    private Mono<Object> once(DeviceAddress device, Supplier<EntryProcessor<DeviceAddress, DeviceQueue, Object>> op) {
        return Mono.fromCompletionStage(() -> map.submitToKey(device, op.get())).retryWhen(againIfIndeterminate());
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
