package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.courier.common.ConfigRefusal;

/** A sender share the quota can't work with refuses the start, naming the setting. */
class InboxQuotaConfigTest {
    @Test
    void aShareAboveZeroAndAtMostOneMakesTheQuota() {
        assertThat(InboxUsage.Quota.configured(1000, 1 << 20, 0.25, 30).senderItems()).isEqualTo(250);
        assertThat(InboxUsage.Quota.configured(1000, 1 << 20, 1, 30).senderItems()).isEqualTo(1000);
    }

    @Test
    void noShareOrMoreThanTheWholeInboxIsRefused() {
        for (double share : new double[] {0, -0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> InboxUsage.Quota.configured(1000, 1 << 20, share, 30))
                    .isInstanceOf(ConfigRefusal.class).hasMessageContaining("courier.messaging.inbox-sender-share");
        }
    }
}
