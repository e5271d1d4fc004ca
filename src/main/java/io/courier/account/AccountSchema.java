package io.courier.account;

import java.util.List;

import io.courier.store.BaselineTables;

/** Tables of the account capability, in the baseline (nothing has shipped); later changes are migrations. */
final class AccountSchema {
    static final BaselineTables TABLES = new BaselineTables("account", List.of(
            // phone -> account; claimed with IF NOT EXISTS so a number has exactly one account.
            """
            CREATE TABLE IF NOT EXISTS phone_accounts (
              phone text PRIMARY KEY,
              account_id uuid,
              created_at timestamp)
            """,
            // One partition per account. next_device_id (static) only grows: device ids are never reused, and every
            // link changes it, so conditioning on it serialises links and enforces the device cap. Registration
            // Lock lives in static columns of the same partition, so setting it and re-registering are serialised
            // by that compare-and-set; lock_params is Argon2id's "m=<KiB>,t=<iterations>,p=<lanes>", so hashes stay
            // checkable when the defaults change. Account deletion: deleted_at marks an account whose deletion
            // started (its devices are gone, the rest is being cleaned up); open_link_codes holds the hashes of its
            // unexpired link codes (each element with its code's TTL), so deletion finds the codes, keyed by hash.
            """
            CREATE TABLE IF NOT EXISTS devices (
              account_id uuid,
              device_id int,
              phone text static,
              next_device_id int static,
              name text,
              credential_salt blob,
              credential_hash blob,
              created_at timestamp,
              last_seen timestamp,
              lock_salt blob static,
              lock_hash blob static,
              lock_params text static,
              deleted_at timestamp static,
              open_link_codes set<blob> static,
              PRIMARY KEY (account_id, device_id))
            """,
            // Deletions started, by the hour their marker was written, for the sweep that finishes one whose node
            // died after the marker (DeletionSweep). Written before the marker, never deleted: rows expire.
            """
            CREATE TABLE IF NOT EXISTS account_deletions (
              hour bigint,
              account_id uuid,
              PRIMARY KEY (hour, account_id))
              WITH default_time_to_live = 172800
              AND gc_grace_seconds = 10800
              AND compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'HOURS',
                                'compaction_window_size': 6}
            """,
            // A code per verification session, not per number, so guesses in one session never spend another's
            // attempts; rows carry a TTL slightly past expires_at.
            """
            CREATE TABLE IF NOT EXISTS verification_sessions (
              session_id blob PRIMARY KEY,
              phone text,
              salt blob,
              code_hash blob,
              expires_at timestamp,
              attempts int,
              next_guess_at timestamp)
            """,
            // issuer_salt ties a code to the primary that issued it: re-registering the number voids old codes.
            // provisioning_message: the account's identity sealed to the new device (account.proto), relayed as is.
            """
            CREATE TABLE IF NOT EXISTS link_codes (
              code_hash blob PRIMARY KEY,
              account_id uuid,
              issuer_salt blob,
              expires_at timestamp,
              provisioning_message blob)
            """));

    private AccountSchema() {
    }
}
