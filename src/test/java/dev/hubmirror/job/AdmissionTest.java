package dev.hubmirror.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The admission state machine alone: no service, no threads, no clock. */
class AdmissionTest {

    /** A job named {@code name} doing the work {@code key}; two jobs with one key are identical work. */
    private record Work(String name, String key) {
    }

    private static Admission<Work, String> admission(int concurrency, int queueCapacity) {
        return new Admission<>(concurrency, queueCapacity, Work::key);
    }

    @Test
    void startsQueuedJobsInArrivalOrderUpToTheConcurrency() {
        // Given
        Admission<Work, String> admission = admission(2, 10);
        Work a = new Work("a", "ka");
        Work b = new Work("b", "kb");
        Work c = new Work("c", "kc");
        admission.enqueue(a);
        admission.enqueue(b);
        admission.enqueue(c);

        // When / Then
        assertThat(admission.next()).isSameAs(a);
        assertThat(admission.next()).isSameAs(b);
        assertThat(admission.next()).isNull();
        assertThat(admission.running()).isEqualTo(2);
        assertThat(admission.queued()).isEqualTo(1);
        assertThat(admission.active("kc")).isSameAs(c);
    }

    @Test
    void aFinishedJobFreesItsSlotForTheNextQueuedJob() {
        // Given
        Admission<Work, String> admission = admission(1, 10);
        Work a = new Work("a", "ka");
        Work b = new Work("b", "kb");
        admission.enqueue(a);
        admission.enqueue(b);
        admission.next();

        // When
        Admission.Place left = admission.leave(a);

        // Then
        assertThat(left).isEqualTo(Admission.Place.RUNNING);
        assertThat(admission.active("ka")).isNull();
        assertThat(admission.next()).isSameAs(b);
    }

    @Test
    void anOrderIdenticalToAnActiveJobIsParkedAndTakesTheHeadOfTheQueueWhenTheActiveJobLeaves() {
        // Given: a running job, a queued one, and an order identical to the running one
        Admission<Work, String> admission = admission(1, 10);
        Work running = new Work("first", "same");
        Work queued = new Work("other", "kother");
        Work identical = new Work("second", "same");
        admission.enqueue(running);
        admission.next();
        admission.enqueue(queued);

        // When
        boolean parked = admission.admit(identical);

        // Then
        assertThat(parked).isTrue();
        assertThat(admission.queued()).isEqualTo(1);

        // When the running job ends
        admission.leave(running);

        // Then the parked order is active and runs before the job queued earlier
        assertThat(admission.active("same")).isSameAs(identical);
        assertThat(admission.next()).isSameAs(identical);
    }

    @Test
    void anOrderOfWorkNobodyDoesIsQueuedNotParked() {
        // Given
        Admission<Work, String> admission = admission(1, 0);
        Work order = new Work("a", "ka");

        // When
        boolean parked = admission.admit(order);

        // Then: orders are never refused, even beyond the queue's capacity
        assertThat(parked).isFalse();
        assertThat(admission.next()).isSameAs(order);
    }

    @Test
    void aParkedOrderThatLeavesLeavesTheActiveJobAlone() {
        // Given
        Admission<Work, String> admission = admission(1, 10);
        Work running = new Work("first", "same");
        Work identical = new Work("second", "same");
        admission.enqueue(running);
        admission.next();
        admission.admit(identical);

        // When
        Admission.Place left = admission.leave(identical);

        // Then
        assertThat(left).isEqualTo(Admission.Place.PARKED);
        assertThat(admission.active("same")).isSameAs(running);
        admission.leave(running);
        assertThat(admission.active("same")).isNull();
        assertThat(admission.next()).isNull();
    }

    @Test
    void aQueuedJobThatLeavesGivesUpItsPlaceAndAnUnknownJobChangesNothing() {
        // Given
        Admission<Work, String> admission = admission(1, 10);
        Work running = new Work("a", "ka");
        Work queued = new Work("b", "kb");
        admission.enqueue(running);
        admission.next();
        admission.enqueue(queued);

        // When / Then
        assertThat(admission.leave(queued)).isEqualTo(Admission.Place.QUEUED);
        assertThat(admission.queued()).isZero();
        assertThat(admission.leave(new Work("c", "kc"))).isNull();
        assertThat(admission.running()).isEqualTo(1);
    }

    @Test
    void submissionsFitWhenWhatWouldWaitFitsTheQueue() {
        // Given: 2 slots, 1 taken, a queue of 2
        Admission<Work, String> admission = admission(2, 2);
        admission.enqueue(new Work("a", "ka"));
        admission.next();

        // When / Then: 3 new jobs: one starts at once, two wait
        assertThat(admission.roomFor(3)).isTrue();
        assertThat(admission.roomFor(4)).isFalse();
        assertThat(admission.capacity()).isEqualTo(1);
    }

    @Test
    void onceStoppedNothingStartsAndNoParkedOrderMovesUp() {
        // Given
        Admission<Work, String> admission = admission(1, 10);
        Work running = new Work("first", "same");
        Work identical = new Work("second", "same");
        Work queued = new Work("other", "kother");
        admission.enqueue(running);
        admission.next();
        admission.admit(identical);
        admission.enqueue(queued);

        // When
        admission.stop();
        admission.leave(running);

        // Then
        assertThat(admission.next()).isNull();
        assertThat(admission.active("same")).isNull();
        assertThat(admission.queued()).isEqualTo(1);
    }
}
