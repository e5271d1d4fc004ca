package io.courier.account;

import org.jboss.logging.Logger;

/**
 * The local-run sender: there is no SMS gateway on a developer machine, so the code is logged for the developer
 * to type in. The only place a code is ever logged; never configure it in production.
 */
final class LoggingVerificationCodeSender implements VerificationCodeSender {
    private static final Logger LOG = Logger.getLogger(LoggingVerificationCodeSender.class);

    @Override
    public void send(String phoneNumber, String code) {
        LOG.infof("Verification code for %s: %s (courier.accounts.verification-sender=log; local use only)",
                phoneNumber, code);
    }
}
