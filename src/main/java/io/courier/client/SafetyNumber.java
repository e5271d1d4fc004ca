package io.courier.client;

import java.util.UUID;

import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.fingerprint.Fingerprint;
import org.signal.libsignal.protocol.fingerprint.FingerprintParsingException;
import org.signal.libsignal.protocol.fingerprint.FingerprintVersionMismatchException;

/**
 * The safety number of this account and a contact: the same on both sides, as digits to read out and as bytes to
 * show as a QR code and scan. libsignal's {@code NumericFingerprintGenerator} with {@value #ITERATIONS} iterations,
 * version {@value #VERSION}, each side identified by its 16-byte account id and its account identity key.
 */
public final class SafetyNumber {
    static final int ITERATIONS = 5200;
    static final int VERSION = 2;

    private final UUID contact;
    private final IdentityKey contactKey;
    private final Fingerprint fingerprint;

    SafetyNumber(UUID contact, IdentityKey contactKey, Fingerprint fingerprint) {
        this.contact = contact;
        this.contactKey = contactKey;
        this.fingerprint = fingerprint;
    }

    /** The other account. */
    public UUID contact() {
        return contact;
    }

    /** The contact's identity key this number was computed from. */
    IdentityKey contactKey() {
        return contactKey;
    }

    /** 60 digits, shown in twelve groups of five. */
    public String digits() {
        return fingerprint.getDisplayableFingerprint().getDisplayText();
    }

    /** The digits in twelve groups of five, separated by spaces. */
    public String grouped() {
        return digits().replaceAll("(\\d{5})(?!$)", "$1 ");
    }

    /** What the contact's device scans (encode it as a QR code). */
    public byte[] scannable() {
        return fingerprint.getScannableFingerprint().getSerialized();
    }

    /**
     * Whether what this device scanned from the contact's screen matches: true only if both sides see the same keys.
     * IllegalArgumentException if the bytes are not a safety number of this version.
     */
    public boolean matchesScanned(byte[] scanned) {
        try {
            return fingerprint.getScannableFingerprint().compareTo(scanned);
        } catch (FingerprintVersionMismatchException e) {
            throw new IllegalArgumentException("the scanned safety number is of another version", e);
        } catch (FingerprintParsingException e) {
            throw new IllegalArgumentException("the scanned bytes are not a safety number", e);
        }
    }

    @Override
    public String toString() {
        return grouped();
    }
}
