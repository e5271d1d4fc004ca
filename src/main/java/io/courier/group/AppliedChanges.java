package io.courier.group;

import java.time.Clock;
import java.time.Duration;

import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.GroupEvent;
import io.courier.cluster.ServerIds;
import reactor.core.publisher.Mono;

/**
 * Whether a recorded group event belongs to a change that happened. A change records its event's fan-out job before
 * its compare-and-set, so a node dying between the two loses no event; the job then runs only once the group row
 * names the event (the compare-and-set wrote its id), and is dropped once the row shows another change took that
 * version, or nothing happened long after the job was recorded.
 */
final class AppliedChanges {
    enum Verdict {
        /** The change happened: deliver its event. */
        APPLIED,
        /** The change never happened (another won, or the attempt died): drop the job. */
        NEVER,
        /** The change's compare-and-set may still be in flight: decide later. */
        UNDECIDED
    }

    private final GroupStore store;
    private final Clock clock;
    private final Duration undecidedFor;

    /** @param undecidedFor how long a change may take to happen after its job was recorded */
    AppliedChanges(GroupStore store, Clock clock, Duration undecidedFor) {
        this.store = store;
        this.clock = clock;
        this.undecidedFor = undecidedFor;
    }

    Mono<Verdict> verdict(FanoutJob.EventJob job) {
        GroupEvent event = parse(job);
        long version = event.getGroup().getVersion();
        // A deletion's event names no members; with the row gone, a deletion happened (racing deletions each
        // deliver theirs: the same news twice, never a change that didn't happen).
        boolean deletion = event.getGroup().getMembersCount() == 0;
        return store.read(job.groupId())
                .map(stored -> stored.recentEvents().contains(job.jobId()) ? Verdict.APPLIED
                        : stored.group().version() >= version ? Verdict.NEVER : Verdict.UNDECIDED)
                .defaultIfEmpty(deletion ? Verdict.APPLIED : Verdict.UNDECIDED)
                .map(verdict -> verdict == Verdict.UNDECIDED
                        && job.jobId() < ServerIds.lowestAt(clock.instant().minus(undecidedFor)) ? Verdict.NEVER
                        : verdict);
    }

    private static GroupEvent parse(FanoutJob.EventJob job) {
        try {
            return GroupEvent.parseFrom(job.event());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("recorded event of job " + job.jobId() + " is corrupt", e);
        }
    }
}
