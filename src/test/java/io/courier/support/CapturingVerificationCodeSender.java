package io.courier.support;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import io.courier.account.VerificationCodeSender;

/** Test stand-in for the SMS gateway: keeps the last code sent to each number. */
@Singleton
public class CapturingVerificationCodeSender implements VerificationCodeSender {
    private final Map<String, String> lastCode = new ConcurrentHashMap<>();

    @Override
    public void send(String phoneNumber, String code) {
        lastCode.put(phoneNumber, code);
    }

    public boolean sentTo(String phoneNumber) {
        return lastCode.containsKey(phoneNumber);
    }

    public String lastCodeFor(String phoneNumber) {
        String code = lastCode.get(phoneNumber);
        if (code == null) {
            throw new AssertionError("no verification code was sent to " + phoneNumber);
        }
        return code;
    }
}
