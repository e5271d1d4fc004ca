package io.courier.presence;

import java.util.List;

import io.courier.store.BaselineTables;

/** Tables of the presence capability, in the baseline; later changes are migrations. */
final class PresenceSchema {
    static final BaselineTables TABLES = new BaselineTables("presence", List.of(
            // One row per account: read whole into the near cache. `version` is the compare-and-set guard of every
            // change, so the block-list bound holds under concurrent blocks. presence and group_adds: ordinals of
            // Privacy.Audience (null presence reads as CONTACTS, null group_adds as 0, EVERYONE).
            """
            CREATE TABLE IF NOT EXISTS account_privacy (
              account_id uuid PRIMARY KEY,
              version int,
              presence int,
              blocked set<uuid>,
              group_adds int)
            """,
            // Read whole into a near cache (ContactDirectory) when a setting of the account needs it; replaced whole
            // by SetContacts.
            """
            CREATE TABLE IF NOT EXISTS account_contacts (
              account_id uuid,
              contact_id uuid,
              PRIMARY KEY (account_id, contact_id))
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
