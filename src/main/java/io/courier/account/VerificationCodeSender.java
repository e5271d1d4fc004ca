package io.courier.account;

/** Delivers a verification code to a phone (SMS, voice call...). Implementations must not log the code. */
public interface VerificationCodeSender {
    void send(String phoneNumber, String code);
}
