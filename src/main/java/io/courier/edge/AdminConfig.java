package io.courier.edge;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** The operator surface (AdminService). */
@ConfigMapping(prefix = "courier.admin")
public interface AdminConfig {
    /** Bearer token operators send; at least 32 characters; absent turns AdminService off. Never logged. */
    Optional<String> token();
}
