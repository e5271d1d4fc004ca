package io.courier.account;

import java.util.regex.Pattern;

import io.courier.common.Rejections;

/** E.164 phone numbers: '+', a country code not starting with 0, 7 to 15 digits in all. */
final class PhoneNumbers {
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");

    private PhoneNumbers() {
    }

    static String requireValid(String phoneNumber) {
        if (phoneNumber == null || phoneNumber.isEmpty()) {
            throw Rejections.invalidArgument("phone_number is required");
        }
        if (!E164.matcher(phoneNumber).matches()) {
            throw Rejections.invalidArgument("phone_number must be in E.164 form, e.g. +4915112345678");
        }
        return phoneNumber;
    }
}
