package io.courier.group;

import java.time.Clock;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;

import io.courier.account.AccountDeletionListener;
import io.courier.cluster.RateLimiter;
import io.courier.cluster.ServerIds;
import io.courier.keys.KeyDirectory;
import io.courier.presence.GroupAddPermission;
import io.courier.messaging.GroupWrites;
import io.courier.store.Cql;
import io.courier.store.BaselineTables;
import io.quarkus.runtime.Startup;

/** CDI wiring of groups: the store, the membership near cache, the fan-out scheduler, worker and resumer. */
public class GroupWiring {
    @Produces
    BaselineTables schema() {
        return GroupSchema.TABLES;
    }

    @Produces
    MapConfig groupMap() {
        return GroupCache.mapConfig();
    }

    @Produces
    @Singleton
    GroupStore groupStore(Cql cql) {
        return new GroupStore(cql);
    }

    @Produces
    @Singleton
    GroupCache groupCache(HazelcastInstance hazelcast, GroupStore store) {
        return new GroupCache(hazelcast, store::find);
    }

    @Produces
    @Singleton
    FanoutJobStore fanoutJobs(Cql cql, HazelcastInstance hazelcast) {
        return new FanoutJobStore(cql, hazelcast.getPartitionService());
    }

    /** Also the {@code GroupFanout} messaging's group send path uses. */
    @Produces
    @Singleton
    FanoutScheduler fanoutScheduler(GroupCache cache, FanoutJobStore jobs, HazelcastInstance hazelcast) {
        return new FanoutScheduler(cache, jobs, hazelcast.getExecutorService(FanoutScheduler.EXECUTOR));
    }

    /** The worker is registered with this node's Hazelcast member, where jobs handed to the owner find it. */
    @Produces
    @Singleton
    @Startup
    FanoutWorker fanoutWorker(GroupWrites writes, FanoutJobStore jobs, GroupStore store, HazelcastInstance hazelcast,
            GroupConfig config, Clock clock) {
        FanoutWorker worker = new FanoutWorker(writes, jobs, new AppliedChanges(store, clock, config.resumeAfter()),
                config.fanoutConcurrency());
        hazelcast.getUserContext().put(OwnerTask.WORKER, worker);
        return worker;
    }

    @Produces
    @Singleton
    @Startup
    FanoutResumer fanoutResumer(HazelcastInstance hazelcast, FanoutJobStore jobs, FanoutWorker worker, Clock clock,
            GroupConfig config) {
        return new FanoutResumer(hazelcast, jobs, worker, clock, config.resumeInterval(), config.resumeAfter());
    }

    /** A deleted account leaves its groups: every member sees it go. */
    @Produces
    @Singleton
    AccountDeletionListener leaveGroups(Groups groups) {
        return (accountId, deviceIds) -> groups.leaveAll(accountId).toFuture();
    }

    void stopResumer(@Disposes FanoutResumer resumer) {
        resumer.close();
    }

    /** Built at startup: preparing statements must not happen on a transport thread at the first call. */
    @Produces
    @Singleton
    @Startup
    Groups groups(GroupStore store, Cql cql, GroupCache cache, FanoutScheduler scheduler, KeyDirectory keys,
            GroupAddPermission addPermission, RateLimiter limiter, ServerIds serverIds, GroupConfig config,
            Clock clock) {
        // The store, not the near cache: checking hundreds of reservations must not push hot groups out of it.
        CreatedGroups created = new CreatedGroups(cql, store::exists,
                config.maxCreatedPerAccount(), clock);
        return new Groups(store, new MemberIndex(cql), created, cache, scheduler, keys, addPermission, limiter,
                serverIds, config, clock);
    }

    @Produces
    @Singleton
    @Startup
    InviteLinks inviteLinks(Groups groups, GroupStore store, Cql cql, RateLimiter limiter, GroupConfig config) {
        return new InviteLinks(groups, store, cql, limiter, config);
    }
}
