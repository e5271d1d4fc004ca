package io.courier.group;

import java.nio.ByteBuffer;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.Blobs;
import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/** Groups in CQL. Every write is a compare-and-set on the version the change was computed from. */
final class GroupStore {
    private final Cql cql;
    private final PreparedStatement select;
    private final PreparedStatement insert;
    private final PreparedStatement update;
    private final PreparedStatement delete;

    GroupStore(Cql cql) {
        this.cql = cql;
        var session = cql.session();
        select = session.prepare("SELECT version, members, encrypted_attributes FROM chat_groups WHERE group_id = ?");
        insert = session.prepare("INSERT INTO chat_groups (group_id, version, members, encrypted_attributes)"
                + " VALUES (?, ?, ?, ?) IF NOT EXISTS");
        update = session.prepare("UPDATE chat_groups SET version = ?, members = ? WHERE group_id = ? IF version = ?");
        delete = session.prepare("DELETE FROM chat_groups WHERE group_id = ? IF version = ?");
    }

    Mono<GroupState> find(UUID groupId) {
        return cql.one(select.bind(groupId), row -> new GroupState(groupId, row.getLong("version"),
                Blobs.bytes(row.getByteBuffer("encrypted_attributes")),
                GroupState.decode(row.getByteBuffer("members"))));
    }

    /** False if the id is taken (never, for random ids, but never silently overwritten either). */
    Mono<Boolean> insert(GroupState group) {
        return applied(insert.bind(group.id(), group.version(), GroupState.encode(group.members()),
                ByteBuffer.wrap(group.attributes())));
    }

    /** Writes {@code after} if the stored group is still at {@code expectedVersion}. */
    Mono<Boolean> update(GroupState after, long expectedVersion) {
        return applied(update.bind(after.version(), GroupState.encode(after.members()), after.id(), expectedVersion));
    }

    Mono<Boolean> delete(UUID groupId, long expectedVersion) {
        return applied(delete.bind(groupId, expectedVersion));
    }

    private Mono<Boolean> applied(BoundStatement statement) {
        return ReactiveCql.execute(cql.session(), statement).map(AsyncResultSet::wasApplied);
    }
}
