package io.courier.presence;

import java.util.List;

import io.courier.store.Migration;

/** Tables of the presence capability. Version 131 follows push's 130 (issue 13). */
final class PresenceSchema {
    static final Migration V131 = new Migration(131, "privacy settings and last seen", List.of(
            // One row per account: read whole into the near cache. `version` is the compare-and-set guard of every
            // change, so the block-list bound holds under concurrent blocks.
            """
            CREATE TABLE IF NOT EXISTS account_privacy (
              account_id uuid PRIMARY KEY,
              version int,
              last_seen_hidden boolean,
              blocked set<uuid>)
            """,
            // Written when an account's last device goes offline, with a TTL of days (courier.presence.last-seen-ttl).
            """
            CREATE TABLE IF NOT EXISTS last_seen (
              account_id uuid PRIMARY KEY,
              seen_at timestamp)
            """));

    private PresenceSchema() {
    }
}
