package io.courier.account;

import org.jboss.logging.Logger;
import io.courier.common.ConfigRefusal;

/**
 * The local-run sender: there is no SMS gateway on a developer machine, so the code is logged for the developer
 * to type in. The only place a code is ever logged; never configure it in production.
 */
final class LoggingVerificationCodeSender implements VerificationCodeSender {
    private static final Logger LOG = Logger.getLogger(LoggingVerificationCodeSender.class);

    /**
     * The sender for this node: refused outside dev, test and the embedded local run unless explicitly allowed,
     * and then with a loud warning (anyone who reads the logs can register any number).
     */
    static LoggingVerificationCodeSender guarded(boolean localRun, boolean explicitlyAllowed) {
        if (!localRun && !explicitlyAllowed) {
            throw new ConfigRefusal("courier.accounts.verification-sender=log writes codes to the log and is"
                    + " for local runs only; configure a real sender (e.g. http), or set"
                    + " courier.accounts.allow-log-sender=true for a throw-away environment");
        }
        if (!localRun) {
            LOG.warn("INSECURE: verification codes are written to the log (courier.accounts.allow-log-sender=true);"
                    + " anyone who can read this log can register any phone number");
        }
        return new LoggingVerificationCodeSender();
    }

    @Override
    public void send(String phoneNumber, String code) {
        LOG.infof("Verification code for %s: %s (courier.accounts.verification-sender=log; local use only)",
                phoneNumber, code);
    }
}
