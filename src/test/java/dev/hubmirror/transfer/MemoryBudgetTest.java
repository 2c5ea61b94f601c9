package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

    @Test
    void grantsImmediatelyWithinBudgetAndQueuesBeyondIt() {
        // Given
        MemoryBudget budget = new MemoryBudget(100);

        // When
        UniAssertSubscriber<Long> first = budget.acquire(60).subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<Long> second = budget.acquire(60).subscribe().withSubscriber(UniAssertSubscriber.create());

        // Then
        first.assertItem(60L);
        second.assertNotTerminated();
        assertThat(budget.inUse()).isEqualTo(60);

        budget.release(60);
        second.assertItem(60L);
        assertThat(budget.inUse()).isEqualTo(60);
    }

    @Test
    void servesWaitersInOrderSoLargeRequestsAreNotStarved() {
        MemoryBudget budget = new MemoryBudget(100);
        budget.acquire(100).subscribe().withSubscriber(UniAssertSubscriber.create()).assertItem(100L);
        UniAssertSubscriber<Long> large = budget.acquire(80).subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<Long> small = budget.acquire(10).subscribe().withSubscriber(UniAssertSubscriber.create());

        budget.release(50);
        large.assertNotTerminated();
        small.assertNotTerminated();

        budget.release(50);
        large.assertItem(80L);
        small.assertItem(10L);
    }

    @Test
    void refusesARequestLargerThanTheWholeBudgetInsteadOfWaitingForever() {
        MemoryBudget budget = new MemoryBudget(100);
        budget.acquire(1_000).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertFailedWith(IllegalArgumentException.class, "mirror.transfer.memory-budget");
        assertThat(budget.inUse()).isZero();
    }

    @Test
    void recordsTheHighWaterMark() {
        MemoryBudget budget = new MemoryBudget(100);
        budget.acquire(30).subscribe().withSubscriber(UniAssertSubscriber.create());
        budget.acquire(50).subscribe().withSubscriber(UniAssertSubscriber.create());
        budget.release(30);
        budget.acquire(10).subscribe().withSubscriber(UniAssertSubscriber.create());

        assertThat(budget.peak()).isEqualTo(80);
        assertThat(budget.inUse()).isEqualTo(60);
    }

    @Test
    void cancelledWaiterGivesNothingAway() {
        MemoryBudget budget = new MemoryBudget(100);
        budget.acquire(100).subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<Long> waiting = budget.acquire(50).subscribe().withSubscriber(UniAssertSubscriber.create());

        waiting.cancel();
        budget.release(100);

        assertThat(budget.inUse()).isZero();
    }
}
