package io.courier.messaging;

import java.util.List;

/** Where a {@link DeviceMailbox} sends what the device should see; the edge turns these into frames. */
public interface MailboxOutlet {
    void deliver(InboxItem item);

    /** The first drain after connecting reached the end of the inbox: live traffic follows. */
    void queueEmpty();

    /** Acked ids that were not in this device's inbox. */
    void notDeliveredToYou(List<Long> serverIds);

    /** Storage failed: the stream should end; the device reconnects and nothing un-acked is lost. */
    void failed(Throwable error);
}
