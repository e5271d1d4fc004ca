package io.courier.keys;

/** The two kinds of one-time prekeys; {@code code} is what the table stores. */
enum OneTimeKeyKind {
    EC(0), KYBER(1);

    final int code;

    OneTimeKeyKind(int code) {
        this.code = code;
    }
}
