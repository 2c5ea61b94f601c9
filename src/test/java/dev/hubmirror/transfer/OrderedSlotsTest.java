package dev.hubmirror.transfer;

import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import org.junit.jupiter.api.Test;

class OrderedSlotsTest {

    @Test
    void grantsSlotsInPartOrderEvenWhenLaterPartsAskFirst() {
        // Given: one slot; parts 1 and 2 ask before part 0
        OrderedSlots slots = new OrderedSlots(1);
        UniAssertSubscriber<Void> second = slots.acquire(1).subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<Void> third = slots.acquire(2).subscribe().withSubscriber(UniAssertSubscriber.create());
        second.assertNotTerminated();

        // When / Then: part 0 gets the slot, then 1, then 2, one at a time
        slots.acquire(0).subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted();
        second.assertNotTerminated();
        slots.release();
        second.assertCompleted();
        third.assertNotTerminated();
        slots.release();
        third.assertCompleted();
    }

    @Test
    void aCancelledWaiterDoesNotKeepItsSlot() {
        OrderedSlots slots = new OrderedSlots(1);
        slots.acquire(0).subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted();
        UniAssertSubscriber<Void> waiting = slots.acquire(1).subscribe().withSubscriber(UniAssertSubscriber.create());

        waiting.cancel();
        slots.release();

        // the slot is free again: part 1 asking anew gets it at once
        slots.acquire(1).subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted();
    }
}
