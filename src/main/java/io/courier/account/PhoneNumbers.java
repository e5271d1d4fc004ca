package io.courier.account;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;

import io.courier.common.Rejections;

/**
 * Phone numbers parsed and validated by libphonenumber and normalised to E.164, so "+49 151 1234-5678" and
 * "+4915112345678" are one number (one account, one rate-limit key) and an impossible number never costs an SMS.
 */
final class PhoneNumbers {
    /** Longer input is refused before it reaches the parser; formatted E.164 numbers are far shorter. */
    private static final int MAX_INPUT = 32;
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    /** A valid number: its E.164 form and its country calling code. */
    record Phone(String e164, int countryCode) {
    }

    private PhoneNumbers() {
    }

    static Phone requireValid(String phoneNumber) {
        if (phoneNumber == null || phoneNumber.isEmpty()) {
            throw Rejections.invalidArgument("phone_number is required");
        }
        if (phoneNumber.length() > MAX_INPUT) {
            throw Rejections.invalidArgument("phone_number is longer than " + MAX_INPUT + " characters");
        }
        if (!phoneNumber.startsWith("+")) {
            throw Rejections.invalidArgument(
                    "phone_number must be international: '+', the country code and the number, e.g. +4915112345678");
        }
        Phonenumber.PhoneNumber parsed;
        try {
            parsed = UTIL.parse(phoneNumber, "ZZ");
        } catch (NumberParseException e) {
            throw Rejections.invalidArgument("phone_number is not a phone number (" + e.getErrorType() + ")");
        }
        if (!UTIL.isValidNumber(parsed)) {
            throw Rejections.invalidArgument("phone_number is not a valid number in its country (+"
                    + parsed.getCountryCode() + ")");
        }
        return new Phone(UTIL.format(parsed, PhoneNumberUtil.PhoneNumberFormat.E164), parsed.getCountryCode());
    }
}
