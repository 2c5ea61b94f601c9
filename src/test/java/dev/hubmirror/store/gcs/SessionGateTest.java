package dev.hubmirror.store.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.StoreException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A resumable session's states and the parts waiting for their turn, alone: no client, no threads. */
class SessionGateTest {

    private static final StoreException BROKEN = new StoreException(Reason.STORE_UNAVAILABLE, true, "broken", null);

    private final SessionGate gate = new SessionGate("k", "gcs-1", 300);

    @Test
    void thePartAtTheWrittenOffsetGoesAndHoldsTheSessionUntilItWrote() {
        // When
        SessionGate.Turn first = gate.write(0);
        SessionGate.Turn second = gate.write(0);

        // Then
        assertThat(first).isEqualTo(new SessionGate.Go(0));
        assertThat(gate.state()).isEqualTo(new SessionState.Writing(0));
        assertThat(second).isInstanceOf(SessionGate.Wait.class);

        // When
        List<CompletableFuture<Void>> ready = gate.wrote(100);

        // Then: the waiter may ask again, and a part already written goes without sending its bytes again
        assertThat(ready).containsExactly(((SessionGate.Wait) second).ready());
        assertThat(gate.state()).isEqualTo(new SessionState.Open(100));
        assertThat(gate.write(0)).isEqualTo(new SessionGate.Go(100));
    }

    @Test
    void aLaterPartWaitsUntilTheBytesBeforeItAreWritten() {
        // Given
        SessionGate.Turn third = gate.write(200);
        gate.write(0);

        // When
        List<CompletableFuture<Void>> afterFirst = gate.wrote(100);
        gate.write(100);
        List<CompletableFuture<Void>> afterSecond = gate.wrote(200);

        // Then
        assertThat(afterFirst).isEmpty();
        assertThat(afterSecond).containsExactly(((SessionGate.Wait) third).ready());
        assertThat(gate.write(200)).isEqualTo(new SessionGate.Go(200));
    }

    @Test
    void theCompletionGoesOnlyWhenEveryByteWasWrittenAndThenIsDone() {
        // Given
        gate.write(0);
        gate.wrote(200);

        // When / Then
        assertThat(gate.complete()).isInstanceOfSatisfying(SessionGate.Refused.class,
                r -> assertThat(r.cause().getMessage()).contains("200 bytes written, expected 300"));
        gate.write(200);
        assertThat(gate.complete()).isInstanceOf(SessionGate.Wait.class);
        gate.wrote(300);
        assertThat(gate.complete()).isEqualTo(new SessionGate.Go(300));
        assertThat(gate.state()).isEqualTo(new SessionState.Completing());
        gate.closed();
        assertThat(gate.state()).isEqualTo(new SessionState.Completed());
        assertThat(gate.complete()).isEqualTo(new SessionGate.Done());
        assertThat(gate.write(0)).isInstanceOf(SessionGate.Refused.class);
        assertThat(gate.abort(BROKEN)).isNull();
    }

    @Test
    void aFailureFailsTheUploadAsAWholeWithItsCause() {
        // Given
        SessionGate.Turn waiting = gate.write(100);
        gate.write(0);

        // When
        List<CompletableFuture<Void>> toFail = gate.failed(BROKEN);

        // Then
        assertThat(toFail).containsExactly(((SessionGate.Wait) waiting).ready());
        assertThat(gate.state()).isEqualTo(new SessionState.Failed(BROKEN));
        assertThat(gate.write(0)).isEqualTo(new SessionGate.Refused(BROKEN));
        assertThat(gate.complete()).isEqualTo(new SessionGate.Refused(BROKEN));
    }

    @Test
    void anAbortReleasesEveryWaiterAndALateWriteChangesNothing() {
        // Given
        gate.write(0);
        SessionGate.Turn waiting = gate.write(100);
        StoreException aborted = new StoreException(Reason.STORE_ERROR, false, "aborted", null);

        // When
        List<CompletableFuture<Void>> toFail = gate.abort(aborted);
        List<CompletableFuture<Void>> late = gate.wrote(100);

        // Then
        assertThat(toFail).containsExactly(((SessionGate.Wait) waiting).ready());
        assertThat(late).isEmpty();
        assertThat(gate.state()).isEqualTo(new SessionState.Aborted(aborted));
        assertThat(gate.failed(BROKEN)).isEmpty();
        assertThat(gate.state()).isEqualTo(new SessionState.Aborted(aborted));
        assertThat(gate.abort(aborted)).isNull();
    }
}
