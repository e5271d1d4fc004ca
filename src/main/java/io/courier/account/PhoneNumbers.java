package io.courier.account;

import java.util.EnumSet;
import java.util.Set;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
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
    /**
     * Numbers a code may be sent to: subscriber lines. Fixed lines pass (a gateway may call them with the code, as
     * Signal's voice verification does, and they cost ordinary rates), VoIP passes (ordinary rates, and many people's
     * only number). Everything else is refused: premium-rate, shared-cost, personal (forwarding) and UAN numbers bill
     * the sender and are what SMS pumping rents; toll-free, pager and voicemail numbers receive no codes; UNKNOWN is
     * a number libphonenumber can't place in any range, so nothing says what it costs.
     */
    private static final Set<PhoneNumberType> VERIFIABLE = EnumSet.of(PhoneNumberType.MOBILE,
            PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.VOIP);

    /** A valid number: its E.164 form, its country calling code and its kind (mobile, premium-rate...). */
    record Phone(String e164, int countryCode, PhoneNumberType type) {
        /** Refuses numbers a verification code must not be sent to (see {@link #VERIFIABLE}). */
        Phone requireVerifiable() {
            if (!VERIFIABLE.contains(type)) {
                throw Rejections.invalidArgument("phone_number is a " + type.name().toLowerCase().replace('_', '-')
                        + " number; verification codes go to mobile, fixed-line and VoIP numbers only");
            }
            return this;
        }
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
        return new Phone(UTIL.format(parsed, PhoneNumberUtil.PhoneNumberFormat.E164), parsed.getCountryCode(),
                UTIL.getNumberType(parsed));
    }
}
