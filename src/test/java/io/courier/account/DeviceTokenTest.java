package io.courier.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** A device token has exactly one accepted spelling: the one the server issued. */
class DeviceTokenTest {
    private final DeviceToken token = DeviceToken.issue(UUID.randomUUID(), 3);
    private final String issued = token.encode();

    @Test
    void theIssuedSpellingDecodesToTheSameToken() {
        DeviceToken decoded = DeviceToken.decode(issued);

        assertThat(decoded.accountId()).isEqualTo(token.accountId());
        assertThat(decoded.deviceId()).isEqualTo(3);
        assertThat(decoded.secret()).isEqualTo(token.secret());
    }

    @Test
    void everyOtherSpellingOfTheSameBytesIsRefused() {
        byte[] raw = Base64.getUrlDecoder().decode(issued);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        String stem = issued.substring(0, issued.length() - 1);
        int respelled = 0;
        for (char last : alphabet.toCharArray()) {
            String candidate = stem + last;
            if (candidate.equals(issued) || !java.util.Arrays.equals(Base64.getUrlDecoder().decode(candidate), raw)) {
                continue;
            }
            respelled++;
            assertRefused(candidate);
        }
        assertThat(respelled).as("spellings of the same bytes the decoder accepts").isEqualTo(15);
        assertRefused(issued + "==");
    }

    private static void assertRefused(String spelling) {
        assertThatThrownBy(() -> DeviceToken.decode(spelling)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains("not as issued");
                });
    }
}
