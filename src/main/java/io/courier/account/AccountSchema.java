package io.courier.account;

import java.util.List;

import io.courier.store.Migration;

/** Tables of the account capability: one baseline (nothing has shipped); later changes get new versions. */
final class AccountSchema {
    static final Migration V1 = new Migration(1, "accounts, devices, verification and link codes, registration lock", List.of(
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
            // checkable when the defaults change.
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
              PRIMARY KEY (account_id, device_id))
            """,
            // One live code per number; rows carry a TTL slightly past expires_at.
            """
            CREATE TABLE IF NOT EXISTS verification_codes (
              phone text PRIMARY KEY,
              salt blob,
              code_hash blob,
              expires_at timestamp,
              attempts int)
            """,
            // issuer_salt ties a code to the primary that issued it: re-registering the number voids old codes.
            """
            CREATE TABLE IF NOT EXISTS link_codes (
              code_hash blob PRIMARY KEY,
              account_id uuid,
              issuer_salt blob,
              expires_at timestamp)
            """));

    /** The account identity sealed to a linked device travels with its link code (see account.proto). */
    static final Migration V140 = new Migration(140, "link codes carry the provisioning message", List.of(
            "ALTER TABLE link_codes ADD provisioning_message blob"));

    /**
     * Verification sessions: a code per session, not per number, so guesses in one session never spend another's
     * attempts. verification_codes is no longer written; its rows expire within minutes of the upgrade.
     */
    static final Migration V160 = new Migration(160, "verification sessions", List.of(
            """
            CREATE TABLE IF NOT EXISTS verification_sessions (
              session_id blob PRIMARY KEY,
              phone text,
              salt blob,
              code_hash blob,
              expires_at timestamp,
              attempts int,
              next_guess_at timestamp)
            """));

    private AccountSchema() {
    }
}
