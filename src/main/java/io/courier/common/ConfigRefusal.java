package io.courier.common;

/**
 * A setting that stops the node from starting. The message names the setting and says how to fix it; the start
 * ends with that one line at ERROR (the stack trace only at DEBUG), since a configuration mistake is not a bug.
 */
public final class ConfigRefusal extends IllegalStateException {
    public ConfigRefusal(String message) {
        super(message);
    }

    public ConfigRefusal(String message, Throwable cause) {
        super(message, cause);
    }
}
