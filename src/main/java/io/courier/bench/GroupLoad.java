package io.courier.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

import com.google.protobuf.ByteString;

import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.OutgoingMessage;
import io.grpc.Channel;

/**
 * One sender and one group with every member online on its own stream. Open loop like {@link LoadGenerator}: each
 * tick sends a group message and, as the same run's baseline, a 1:1 message from the same sender to the first
 * member; latencies count from the scheduled time. A group message counts as delivered when its LAST member has it.
 * Payloads are opaque bytes of a Sender Key message's size: this measures the server, not client crypto.
 */
public final class GroupLoad implements AutoCloseable {
    /** The SDK's batch size, at most the smallest window a node runs with. */
    private static final int RECEIPTS_PER_ACK = 16;

    /** One run: SendAck latencies of both kinds, send → last member's delivery, and the fan-out's pace. */
    public record Result(long groupMessages, long fullyDelivered, long memberDeliveries, double fanoutSeconds,
            Histogram groupSendAck, Histogram directSendAck, Histogram lastDelivery, Map<String, Long> refused) {
        /** Member inbox rows written and delivered per second, from the first send to the last delivery. */
        public double deliveriesPerSecond() {
            return memberDeliveries / fanoutSeconds;
        }
    }

    private final ByteString groupId;
    private final LoadGenerator.Device directRecipient;
    private final int members;
    private final DeviceLink sender;
    private final List<DeviceLink> memberLinks = new ArrayList<>();
    private final Map<DeviceLink, Integer> memberIndex = new IdentityHashMap<>();
    private final Map<Long, Pending> awaitingAck = new ConcurrentHashMap<>();
    private final Map<Long, Pending> awaitingDelivery = new ConcurrentHashMap<>();
    private final List<Long> receiptAcks = new ArrayList<>();
    // Every run's group messages together too, for a timeline across runs.
    private final LatencyStats allGroupSendAcks = new LatencyStats();
    private final LatencyStats allMemberDeliveries = new LatencyStats();
    private final LatencyStats allLastDeliveries = new LatencyStats();

    /** A message in flight; a group message waits for {@code remaining} member deliveries. */
    private record Pending(Run run, long scheduledNanos, boolean group, AtomicInteger remaining, Set<Integer> got) {
    }

    private GroupLoad(ByteString groupId, LoadGenerator.Device directRecipient, int members, Channel senderChannel,
            String senderToken, CountDownLatch drained) {
        this.groupId = groupId;
        this.directRecipient = directRecipient;
        this.members = members;
        this.sender = new DeviceLink(senderChannel, senderToken, (link, frame) -> onSenderFrame(link, frame, drained));
    }

    /**
     * Opens the sender's stream and every member's (spread over {@code channels}, first member first: it also gets
     * the 1:1 baseline) and waits until each has drained its inbox.
     */
    public static GroupLoad connect(List<? extends Channel> channels, String senderToken, ByteString groupId,
            List<String> memberTokens, LoadGenerator.Device directRecipient, Duration timeout)
            throws InterruptedException {
        CountDownLatch drained = new CountDownLatch(1 + memberTokens.size());
        GroupLoad load = new GroupLoad(groupId, directRecipient, memberTokens.size(), channels.get(0), senderToken,
                drained);
        for (int i = 0; i < memberTokens.size(); i++) {
            DeviceLink link = new DeviceLink(channels.get(i % channels.size()), memberTokens.get(i),
                    (l, frame) -> load.onMemberFrame(l, frame, drained));
            load.memberIndex.put(link, i);
            load.memberLinks.add(link);
        }
        LoadGenerator.awaitDrained(drained, timeout, load::close);
        return load;
    }

    private void onSenderFrame(DeviceLink link, ConnectResponse frame, CountDownLatch drained) {
        switch (frame.getFrameCase()) {
            case QUEUE_EMPTY -> drained.countDown();
            case SEND_ACK -> {
                long at = System.nanoTime();
                Pending pending = awaitingAck.remove(frame.getSendAck().getClientMessageId());
                if (pending != null) {
                    pending.run().acked(pending, at - pending.scheduledNanos());
                    if (pending.group()) {
                        allGroupSendAcks.recordNanos(at - pending.scheduledNanos());
                    }
                }
            }
            case RECEIPT -> ackReceipt(link, frame.getReceipt().getServerId());
            case GROUP_EVENT -> link.send(LoadGenerator.ack(frame.getGroupEvent().getServerId()));
            case ERROR -> {
                long id = frame.getError().getClientMessageId();
                awaitingAck.remove(id);
                Pending pending = awaitingDelivery.remove(id);
                if (pending != null) {
                    pending.run().refused(frame.getError().getCode().name());
                }
            }
            default -> {
            }
        }
    }

    /**
     * A group message brings the sender its members' receipts (coalesced into a few dozen events): they are acked in
     * batches as the SDK does, so acks don't queue the sender's own sends. The few left over stay within the window.
     */
    private void ackReceipt(DeviceLink link, long serverId) {
        List<Long> batch;
        synchronized (receiptAcks) {
            receiptAcks.add(serverId);
            if (receiptAcks.size() < RECEIPTS_PER_ACK) {
                return;
            }
            batch = List.copyOf(receiptAcks);
            receiptAcks.clear();
        }
        link.send(ConnectRequest.newBuilder().setAck(Ack.newBuilder().addAllServerIds(batch)).build());
    }

    private void onMemberFrame(DeviceLink link, ConnectResponse frame, CountDownLatch drained) {
        switch (frame.getFrameCase()) {
            case QUEUE_EMPTY -> drained.countDown();
            case DELIVERY -> {
                long at = System.nanoTime();
                Pending pending = awaitingDelivery.get(frame.getDelivery().getClientMessageId());
                if (pending != null && pending.group()) {
                    allMemberDeliveries.recordNanos(at - pending.scheduledNanos());
                    Integer member = memberIndex.get(link);
                    if (member != null) {
                        pending.got().add(member);
                    }
                }
                if (pending != null && pending.remaining().decrementAndGet() == 0) {
                    awaitingDelivery.remove(frame.getDelivery().getClientMessageId());
                    pending.run().delivered(pending, at);
                    if (pending.group()) {
                        allLastDeliveries.recordNanos(at - pending.scheduledNanos());
                    }
                } else if (pending != null && pending.group()) {
                    pending.run().memberDeliveries.incrementAndGet();
                }
                link.send(LoadGenerator.ack(frame.getDelivery().getServerId()));
            }
            case RECEIPT -> link.send(LoadGenerator.ack(frame.getReceipt().getServerId()));
            case GROUP_EVENT -> link.send(LoadGenerator.ack(frame.getGroupEvent().getServerId()));
            default -> {
            }
        }
    }

    /**
     * {@code rate} group messages per second (and as many 1:1) for {@code duration}, then up to {@code grace} for
     * the last deliveries. A burst is a run at a rate the fan-out can't keep up with.
     */
    public Result run(int rate, Duration duration, int payloadBytes, Duration grace) throws InterruptedException {
        long ticks = Math.max(1, duration.toMillis() * rate / 1000);
        Run run = new Run(2 * ticks);
        ByteString ciphertext = LoadGenerator.randomBytes(payloadBytes);
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        for (long i = 0; i < ticks; i++) {
            long at = start + i * interval;
            long wait = at - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            // Alternate which goes first, so neither kind always queues behind the other.
            boolean groupFirst = i % 2 == 0;
            send(run, at, groupFirst, ciphertext);
            send(run, at, !groupFirst, ciphertext);
        }
        if (!run.settled.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            reportMissing();
        }
        double fanoutSeconds = (run.lastDeliveryNanos.get() - start) / 1e9;
        return new Result(ticks, run.fullyDelivered.get(), run.memberDeliveries.get(), fanoutSeconds,
                run.groupSendAck.snapshot(), run.directSendAck.snapshot(), run.lastDelivery.snapshot(),
                Map.copyOf(run.refused));
    }

    /** Which members a message still misses once the grace is over: names what to look at in the node's queues. */
    private void reportMissing() {
        awaitingDelivery.forEach((clientId, pending) -> {
            if (pending.group()) {
                List<Integer> missing = new ArrayList<>();
                for (int i = 0; i < memberLinks.size() && missing.size() < 10; i++) {
                    if (!pending.got().contains(i)) {
                        missing.add(i);
                    }
                }
                System.out.printf("group message %d (client id) still misses %d member(s), first: %s%n", clientId,
                        pending.remaining().get(), missing);
            }
        });
    }

    /** Group SendAck, send → each member's delivery and send → the last one, from now until it is closed. */
    public Timeline timeline(Duration period) {
        return Timeline.start(period, new Timeline.Tracked("group send → SendAck", allGroupSendAcks),
                new Timeline.Tracked("send → a member's delivery", allMemberDeliveries),
                new Timeline.Tracked("send → last member's delivery", allLastDeliveries));
    }

    private void send(Run run, long scheduledNanos, boolean group, ByteString ciphertext) {
        long clientId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        Pending pending = new Pending(run, scheduledNanos, group, new AtomicInteger(group ? members : 1),
                ConcurrentHashMap.newKeySet());
        awaitingAck.put(clientId, pending);
        awaitingDelivery.put(clientId, pending);
        OutgoingMessage.Builder message = OutgoingMessage.newBuilder().setClientMessageId(clientId);
        if (group) {
            sender.send(ConnectRequest.newBuilder().setSend(message.setGroupId(groupId).setGroupCiphertext(ciphertext))
                    .build());
        } else {
            sender.send(LoadGenerator.sendFrame(clientId, directRecipient, ciphertext));
        }
    }

    @Override
    public void close() {
        sender.close();
        memberLinks.forEach(DeviceLink::close);
    }

    /** Counters of one run; a message settles when its last recipient has it, or when it is refused. */
    private static final class Run {
        final LatencyStats groupSendAck = new LatencyStats();
        final LatencyStats directSendAck = new LatencyStats();
        final LatencyStats lastDelivery = new LatencyStats();
        final AtomicLong fullyDelivered = new AtomicLong();
        final AtomicLong memberDeliveries = new AtomicLong();
        final AtomicLong lastDeliveryNanos = new AtomicLong();
        final Map<String, Long> refused = new ConcurrentHashMap<>();
        final CountDownLatch settled;

        Run(long messages) {
            settled = new CountDownLatch((int) messages);
        }

        void acked(Pending pending, long nanos) {
            (pending.group() ? groupSendAck : directSendAck).recordNanos(nanos);
        }

        void delivered(Pending pending, long atNanos) {
            if (pending.group()) {
                memberDeliveries.incrementAndGet();
                fullyDelivered.incrementAndGet();
                lastDelivery.recordNanos(atNanos - pending.scheduledNanos());
                lastDeliveryNanos.accumulateAndGet(atNanos, Math::max);
            }
            settled.countDown();
        }

        void refused(String code) {
            refused.merge(code, 1L, Long::sum);
            settled.countDown();
        }
    }
}
