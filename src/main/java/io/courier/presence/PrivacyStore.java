package io.courier.presence;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.store.Cql;
import io.courier.store.ReactiveCql;
import reactor.core.publisher.Mono;

/**
 * Privacy settings in CQL ({@code account_privacy}, one row per account). Every change is a compare-and-set on the
 * row's version (an LWT), so a check made on the version read (the block-list bound) holds when the change lands.
 */
final class PrivacyStore {
    /** A change to an account's settings, applied to the row read at {@code expected}. */
    sealed interface Change {
        Privacy applyTo(Privacy current);

        record Block(UUID account) implements Change {
            @Override
            public Privacy applyTo(Privacy current) {
                return current.next(current.presence(), plus(current.blocked(), account), current.groupAdds());
            }
        }

        record Unblock(UUID account) implements Change {
            @Override
            public Privacy applyTo(Privacy current) {
                return current.next(current.presence(), minus(current.blocked(), account), current.groupAdds());
            }
        }

        record ShowPresence(Privacy.Audience to) implements Change {
            @Override
            public Privacy applyTo(Privacy current) {
                return current.next(to, current.blocked(), current.groupAdds());
            }
        }

        record AllowAdds(Privacy.Audience who) implements Change {
            @Override
            public Privacy applyTo(Privacy current) {
                return current.next(current.presence(), current.blocked(), who);
            }
        }
    }

    private static final Privacy.Audience[] AUDIENCES = Privacy.Audience.values();

    private final Cql cql;
    private final PreparedStatement select;
    private final PreparedStatement create;
    private final PreparedStatement block;
    private final PreparedStatement unblock;
    private final PreparedStatement showPresence;
    private final PreparedStatement allowAdds;
    private final PreparedStatement clearContacts;
    private final PreparedStatement addContact;
    private final PreparedStatement contacts;
    private final PreparedStatement delete;

    PrivacyStore(Cql cql) {
        this.cql = cql;
        var session = cql.session();
        select = session.prepare(
                "SELECT version, presence, blocked, group_adds FROM account_privacy WHERE account_id = ?");
        create = session.prepare("INSERT INTO account_privacy (account_id, version, presence, blocked,"
                + " group_adds) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS");
        block = session.prepare("UPDATE account_privacy SET version = ?, blocked = blocked + ? WHERE account_id = ?"
                + " IF version = ?");
        unblock = session.prepare("UPDATE account_privacy SET version = ?, blocked = blocked - ?"
                + " WHERE account_id = ? IF version = ?");
        showPresence = session.prepare("UPDATE account_privacy SET version = ?, presence = ? WHERE account_id = ?"
                + " IF version = ?");
        allowAdds = session.prepare("UPDATE account_privacy SET version = ?, group_adds = ? WHERE account_id = ?"
                + " IF version = ?");
        clearContacts = session.prepare("DELETE FROM account_contacts WHERE account_id = ?");
        addContact = session.prepare("INSERT INTO account_contacts (account_id, contact_id) VALUES (?, ?)");
        delete = session.prepare("DELETE FROM account_privacy WHERE account_id = ?");
        contacts = session.prepare("SELECT contact_id FROM account_contacts WHERE account_id = ?");
    }

    Mono<Privacy> read(UUID account) {
        return cql.one(select.bind(account), row -> new Privacy(row.getInt("version"),
                row.isNull("presence") ? Privacy.DEFAULT.presence() : AUDIENCES[row.getInt("presence")],
                row.getSet("blocked", UUID.class), AUDIENCES[row.getInt("group_adds")]))
                .defaultIfEmpty(Privacy.DEFAULT);
    }

    /** Applies {@code change} if the row is still at {@code current}'s version; completes with whether it was. */
    Mono<Boolean> change(UUID account, Privacy current, Change change) {
        Privacy next = change.applyTo(current);
        BoundStatement statement;
        if (current.version() == 0) {
            statement = create.bind(account, next.version(), next.presence().ordinal(), next.blocked(),
                    next.groupAdds().ordinal());
        } else if (change instanceof Change.Block b) {
            statement = block.bind(next.version(), Set.of(b.account()), account, current.version());
        } else if (change instanceof Change.Unblock u) {
            statement = unblock.bind(next.version(), Set.of(u.account()), account, current.version());
        } else if (change instanceof Change.AllowAdds) {
            statement = allowAdds.bind(next.version(), next.groupAdds().ordinal(), account, current.version());
        } else {
            statement = showPresence.bind(next.version(), next.presence().ordinal(), account, current.version());
        }
        return ReactiveCql.execute(cql.session(), statement).map(AsyncResultSet::wasApplied);
    }

    /**
     * Replaces the account's contact list: the old partition goes in one deletion, then the new list is written in
     * batches of {@link Cql#BATCH_ROWS}. A failure midway leaves part of the list (fewer accounts may add the user:
     * it fails closed), and two replacements racing may interleave; the user's next replacement repairs either.
     */
    Mono<Void> replaceContacts(UUID account, Set<UUID> contacts) {
        return cql.write(clearContacts.bind(account))
                .then(cql.writePartition(contacts.stream().map(c -> (BoundStatement) addContact.bind(account, c))
                        .toList()));
    }

    /** A deleted account's settings and contact list go. */
    Mono<Void> forget(UUID account) {
        return Mono.when(cql.write(delete.bind(account)), cql.write(clearContacts.bind(account)));
    }

    /** The account's contact list, whole ({@code max}: the most SetContacts writes, read in one page). */
    Mono<List<UUID>> contacts(UUID account, int max) {
        return cql.firstPage(contacts.bind(account).setPageSize(max), row -> row.getUuid(0));
    }

    private static Set<UUID> plus(Set<UUID> set, UUID id) {
        Set<UUID> copy = new HashSet<>(set);
        copy.add(id);
        return copy;
    }

    private static Set<UUID> minus(Set<UUID> set, UUID id) {
        Set<UUID> copy = new HashSet<>(set);
        copy.remove(id);
        return copy;
    }
}
