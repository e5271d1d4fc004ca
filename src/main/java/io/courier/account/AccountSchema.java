package io.courier.account;

import java.util.List;

import io.courier.store.Migration;

/** Tables of the account capability. */
final class AccountSchema {
    static final Migration V1 = new Migration(1, "accounts, devices, verification and link codes", List.of(
            // phone -> account; claimed with IF NOT EXISTS so a number has exactly one account.
            """
            CREATE TABLE IF NOT EXISTS phone_accounts (
              phone text PRIMARY KEY,
              account_id uuid,
              created_at timestamp)
            """,
            // One partition per account. next_device_id (static) only grows: device ids are never reused, and every
            // link changes it, so conditioning on it serialises links and enforces the device cap.
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

    /**
     * Registration Lock and device activity. The lock lives in static columns of the account's device partition so
     * setting it and re-registering are serialised by the same {@code next_device_id} compare-and-set.
     */
    static final Migration V72 = new Migration(72, "registration lock, device last seen", List.of(
            "ALTER TABLE devices ADD last_seen timestamp",
            "ALTER TABLE devices ADD lock_salt blob static",
            "ALTER TABLE devices ADD lock_hash blob static",
            // Argon2id parameters as "m=<KiB>,t=<iterations>,p=<lanes>": hashes stay checkable when defaults change.
            "ALTER TABLE devices ADD lock_params text static"));

    private AccountSchema() {
    }
}
