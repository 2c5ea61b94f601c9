package dev.hubmirror.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.smallrye.mutiny.subscription.Cancellable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BufferPoolTest {

    private static final int PAGE = 4096;

    private static PooledBuffer acquireNow(BufferPool pool, long bytes, BufferScope scope) {
        return pool.acquire(bytes, scope).subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted()
                .getItem();
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i * 31);
        }
        return b;
    }

    private static byte[] read(PooledBuffer buffer) {
        ByteBuffer all = ByteBuffer.allocate((int) buffer.written());
        buffer.content().forEach(all::put);
        return all.array();
    }

    @Test
    void grantsWithinTheBudgetAndQueuesBeyondItFirstComeFirstServed() {
        // Given a budget of 10 pages
        BufferPool pool = new BufferPool(10L * PAGE, PAGE);
        BufferScope scope = new BufferScope("test");

        // When
        PooledBuffer first = acquireNow(pool, 6L * PAGE, scope);
        UniAssertSubscriber<PooledBuffer> large = pool.acquire(8L * PAGE, scope).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<PooledBuffer> small = pool.acquire(1, scope).subscribe()
                .withSubscriber(UniAssertSubscriber.create());

        // Then the small request waits behind the large one although it would fit
        large.assertNotTerminated();
        small.assertNotTerminated();
        assertThat(pool.inUse()).isEqualTo(6L * PAGE);
        assertThat(pool.waiting()).isEqualTo(2);

        first.release();
        large.assertCompleted();
        small.assertCompleted();
        assertThat(pool.inUse()).isEqualTo(9L * PAGE);
        assertThat(pool.peak()).isEqualTo(9L * PAGE);
    }

    @Test
    void countsWholePagesAndGrantsAnEmptyBufferAtOnce() {
        BufferPool pool = new BufferPool(4L * PAGE, PAGE);
        BufferScope scope = new BufferScope("test");

        PooledBuffer empty = acquireNow(pool, 0, scope);
        PooledBuffer onePlus = acquireNow(pool, PAGE + 1L, scope);

        assertThat(empty.capacity()).isZero();
        assertThat(empty.content()).isEmpty();
        assertThat(pool.footprint(PAGE + 1L)).isEqualTo(2L * PAGE);
        assertThat(pool.inUse()).isEqualTo(2L * PAGE);
        empty.release();
        onePlus.release();
        assertThat(pool.inUse()).isZero();
        assertThat(pool.liveBuffers()).isZero();
    }

    @Test
    void refusesARequestLargerThanTheWholeBudgetInsteadOfWaitingForever() {
        BufferPool pool = new BufferPool(4L * PAGE, PAGE);
        pool.acquire(4L * PAGE + 1, new BufferScope("test")).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertFailedWith(IllegalArgumentException.class, "mirror.transfer.memory-budget");
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void writesAcrossPageBoundariesAndReadsTheSameBytesBackAsOftenAsAsked() {
        // Given a buffer of 2.5 pages
        BufferPool pool = new BufferPool(8L * PAGE, PAGE);
        PooledBuffer buffer = acquireNow(pool, PAGE * 5L / 2, new BufferScope("test"));
        byte[] data = bytes(PAGE * 5 / 2, 7);

        // When written in chunks that straddle the page boundaries, and one chunk too many
        PooledBuffer.Writer writer = buffer.writer();
        ByteBuffer source = ByteBuffer.wrap(data);
        int total = 0;
        while (source.hasRemaining()) {
            ByteBuffer chunk = source.slice().limit(Math.min(source.remaining(), 3000));
            int n = writer.write(chunk);
            source.position(source.position() + n);
            total += n;
        }
        ByteBuffer extra = ByteBuffer.wrap(new byte[10]);

        // Then
        assertThat(total).isEqualTo(data.length);
        assertThat(buffer.isFull()).isTrue();
        assertThat(writer.write(extra)).isZero();
        assertThat(extra.remaining()).isEqualTo(10);
        assertThat(read(buffer)).isEqualTo(data);
        assertThat(read(buffer)).isEqualTo(data);
        assertThat(buffer.content()).hasSize(3).allMatch(ByteBuffer::isReadOnly);
    }

    @Test
    void aRevokedWriterWritesNothing() {
        BufferPool pool = new BufferPool(4L * PAGE, PAGE);
        PooledBuffer buffer = acquireNow(pool, 100, new BufferScope("test"));
        PooledBuffer.Writer first = buffer.writer();
        first.write(ByteBuffer.wrap(bytes(10, 1)));

        // When a second writer takes over (a resumed fetch)
        PooledBuffer.Writer second = buffer.writer();

        // Then the first one is refused and the second appends after what was written
        assertThat(first.write(ByteBuffer.wrap(bytes(10, 2)))).isEqualTo(-1);
        assertThat(first.isOpen()).isFalse();
        assertThat(second.write(ByteBuffer.wrap(bytes(5, 3)))).isEqualTo(5);
        assertThat(buffer.written()).isEqualTo(15);
        buffer.revokeWriter();
        assertThat(second.write(ByteBuffer.wrap(bytes(5, 3)))).isEqualTo(-1);
    }

    @Test
    void aLateWriteFromAnAbandonedFetchNeverTouchesTheBufferThatReusedItsPages() {
        // Given a one-page pool: the next buffer necessarily gets the same page
        BufferPool pool = new BufferPool(PAGE, PAGE);
        PooledBuffer abandoned = acquireNow(pool, PAGE, new BufferScope("fetch that timed out"));
        PooledBuffer.Writer late = abandoned.writer();
        late.write(ByteBuffer.wrap(bytes(100, 1)));
        abandoned.release();

        // When another transfer takes the page and fills it, then the abandoned fetch's last chunk arrives
        PooledBuffer reused = acquireNow(pool, PAGE, new BufferScope("next file"));
        byte[] expected = bytes(PAGE, 9);
        reused.writer().write(ByteBuffer.wrap(expected));
        int n = late.write(ByteBuffer.wrap(bytes(PAGE, 5)));

        // Then the late write is refused and the new owner's bytes are intact
        assertThat(n).isEqualTo(-1);
        assertThat(read(reused)).isEqualTo(expected);
        assertThat(pool.allocated()).isEqualTo(PAGE);
    }

    @Test
    void countsReferencesAndRefusesAReleaseTooMany() {
        BufferPool pool = new BufferPool(4L * PAGE, PAGE);
        PooledBuffer buffer = acquireNow(pool, PAGE, new BufferScope("test"));

        buffer.retain();
        assertThat(buffer.release()).isFalse();
        assertThat(pool.inUse()).isEqualTo(PAGE);
        assertThat(buffer.release()).isTrue();
        assertThat(pool.inUse()).isZero();

        assertThatThrownBy(buffer::release).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(buffer::content).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(buffer::writer).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void reusesItsPagesSoASteadyTransferAllocatesNothingMore() {
        BufferPool pool = new BufferPool(64L * PAGE, PAGE);
        BufferScope scope = new BufferScope("test");
        for (int round = 0; round < 200; round++) {
            List<PooledBuffer> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                held.add(acquireNow(pool, 16L * PAGE, scope));
            }
            held.forEach(PooledBuffer::release);
        }
        assertThat(pool.allocated()).isEqualTo(64L * PAGE);
        assertThat(pool.inUse()).isZero();
        assertThat(scope.size()).isZero();
    }

    @Test
    void aReservationCountsAgainstTheBudgetWithoutPages() {
        BufferPool pool = new BufferPool(4L * PAGE, PAGE);
        BufferScope scope = new BufferScope("test");
        Reservation chunk = pool.reserve(3L * PAGE, scope).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertCompleted().getItem();

        UniAssertSubscriber<PooledBuffer> waiting = pool.acquire(2L * PAGE, scope).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        waiting.assertNotTerminated();
        assertThat(pool.allocated()).isZero();

        chunk.release();
        chunk.release();
        waiting.assertCompleted();
        assertThat(pool.inUse()).isEqualTo(2L * PAGE);
    }

    @Test
    void closingAScopeFreesWhatItHoldsAndWhatIsGrantedLater() {
        // Given a full pool and a waiting request of a scope that is then closed
        BufferPool pool = new BufferPool(2L * PAGE, PAGE);
        BufferScope other = new BufferScope("other");
        PooledBuffer blocking = acquireNow(pool, 2L * PAGE, other);
        BufferScope scope = new BufferScope("file");
        UniAssertSubscriber<PooledBuffer> late = pool.acquire(PAGE, scope).subscribe()
                .withSubscriber(UniAssertSubscriber.create());

        // When
        assertThat(scope.closeAndCount()).isZero();
        blocking.release();

        // Then the grant that came after the close went straight back
        late.assertFailedWith(IllegalStateException.class, "closed");
        assertThat(pool.inUse()).isZero();
        assertThat(pool.liveBuffers()).isZero();
    }

    @Test
    void cancellationsRacingGrantsLoseNothingOnceTheScopesClose() throws InterruptedException {
        // Given many transfers that acquire, cancel and release at random on four threads
        BufferPool pool = new BufferPool(16L * PAGE, PAGE);
        int threads = 4;
        List<BufferScope> scopes = new ArrayList<>();
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            BufferScope scope = new BufferScope("scope-" + t);
            scopes.add(scope);
            executor.execute(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 2_000; i++) {
                    Cancellable c = pool.acquire(random.nextLong(1, 6L * PAGE), scope).subscribe().with(b -> {
                        if (random.nextBoolean()) {
                            b.release();
                        }
                    });
                    if (random.nextInt(3) == 0) {
                        c.cancel();
                    }
                }
                done.countDown();
            });
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        executor.shutdown();

        // When every transfer ends
        scopes.forEach(BufferScope::close);

        // Then the whole budget is back, and nothing was ever granted beyond it
        assertThat(pool.inUse()).isZero();
        assertThat(pool.liveBuffers()).isZero();
        assertThat(pool.peak()).isLessThanOrEqualTo(pool.capacity());
        assertThat(pool.allocated()).isLessThanOrEqualTo(pool.capacity());
    }
}
