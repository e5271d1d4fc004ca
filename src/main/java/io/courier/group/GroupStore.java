package io.courier.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.Blobs;
import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/**
 * Groups in CQL. Every write is a compare-and-set on the version the change was computed from, and names the change's
 * event id in the same write: the ids of the last {@value #RECENT_EVENTS} changes say which recorded events belong to
 * changes that happened.
 */
final class GroupStore {
    static final int RECENT_EVENTS = 64;

    /** A stored group and the event ids of its latest changes, oldest first. */
    record Stored(GroupState group, List<Long> recentEvents) {
    }

    private final Cql cql;
    private final PreparedStatement select;
    private final PreparedStatement selectVersion;
    private final PreparedStatement insert;
    private final PreparedStatement update;
    private final PreparedStatement delete;

    GroupStore(Cql cql) {
        this.cql = cql;
        var session = cql.session();
        select = session.prepare("SELECT version, members, encrypted_attributes, recent_events FROM chat_groups"
                + " WHERE group_id = ?");
        selectVersion = session.prepare("SELECT version FROM chat_groups WHERE group_id = ?");
        insert = session.prepare("INSERT INTO chat_groups (group_id, version, members, encrypted_attributes,"
                + " recent_events) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS");
        update = session.prepare("UPDATE chat_groups SET version = ?, members = ?, recent_events = ? WHERE group_id = ?"
                + " IF version = ?");
        delete = session.prepare("DELETE FROM chat_groups WHERE group_id = ? IF version = ?");
    }

    Mono<GroupState> find(UUID groupId) {
        return read(groupId).map(Stored::group);
    }

    /** Whether the group is stored, without reading its members. */
    Mono<Boolean> exists(UUID groupId) {
        return cql.one(selectVersion.bind(groupId), row -> Boolean.TRUE).defaultIfEmpty(Boolean.FALSE);
    }

    Mono<Stored> read(UUID groupId) {
        return cql.one(select.bind(groupId), row -> new Stored(new GroupState(groupId, row.getLong("version"),
                Blobs.bytes(row.getByteBuffer("encrypted_attributes")),
                GroupState.decode(row.getByteBuffer("members"))), row.getList("recent_events", Long.class)));
    }

    /** False if the id is taken (never, for random ids, but never silently overwritten either). */
    Mono<Boolean> insert(GroupState group, long eventId) {
        return applied(insert.bind(group.id(), group.version(), GroupState.encode(group.members()),
                ByteBuffer.wrap(group.attributes()), List.of(eventId)));
    }

    /** Writes {@code after}, changed by event {@code eventId}, if the stored group is still as {@code before}. */
    Mono<Boolean> update(Stored before, GroupState after, long eventId) {
        List<Long> recent = new ArrayList<>(before.recentEvents());
        recent.add(eventId);
        return applied(update.bind(after.version(), GroupState.encode(after.members()),
                recent.subList(Math.max(0, recent.size() - RECENT_EVENTS), recent.size()), after.id(),
                before.group().version()));
    }

    Mono<Boolean> delete(UUID groupId, long expectedVersion) {
        return applied(delete.bind(groupId, expectedVersion));
    }

    private Mono<Boolean> applied(BoundStatement statement) {
        return ReactiveCql.execute(cql.session(), statement).map(AsyncResultSet::wasApplied);
    }
}
