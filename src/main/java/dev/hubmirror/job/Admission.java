package dev.hubmirror.job;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Where the jobs of one {@link JobService} stand in admission, as pure state: no I/O, no clock, no threads. A job is
 * <i>queued</i> (waiting for a slot, in arrival order), <i>running</i> (holding one of {@code concurrency} slots), or
 * <i>parked</i> (an order identical to an <i>active</i> job, that is one queued or running under the same key,
 * waiting for it to end). When an active job leaves, the first job parked behind it takes its place at the head of
 * the queue. Not thread-safe: the job service's lock guards it.
 *
 * @param <J> the job
 * @param <K> what makes two jobs the same work
 */
final class Admission<J, K> {

    /** Where a job was when it left. */
    enum Place {
        /** Waiting for a slot. */
        QUEUED,
        /** Waiting behind an identical active job. */
        PARKED,
        /** Holding a slot. */
        RUNNING
    }

    private final int concurrency;
    private final int queueCapacity;
    private final Function<? super J, ? extends K> keyOf;
    private final ArrayDeque<J> queue = new ArrayDeque<>();
    private final Map<K, J> active = new HashMap<>();
    private final Map<K, ArrayDeque<J>> parked = new HashMap<>();
    private final Set<J> running = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean stopped;

    /**
     * @param concurrency   jobs that may run at once, at least 1
     * @param queueCapacity jobs that may wait for a slot (submissions beyond it are refused; orders never are)
     * @param keyOf         the key of a job
     */
    Admission(int concurrency, int queueCapacity, Function<? super J, ? extends K> keyOf) {
        this.concurrency = concurrency;
        this.queueCapacity = queueCapacity;
        this.keyOf = keyOf;
    }

    /** The queued or running job with this key, or {@code null}. */
    J active(K key) {
        return active.get(key);
    }

    /** Whether {@code fresh} more submitted jobs fit: those that would not start at once must fit in the queue. */
    boolean roomFor(int fresh) {
        int freeSlots = Math.max(0, concurrency - running.size());
        return queue.size() + fresh - freeSlots <= queueCapacity;
    }

    /** Queues a job that no active job has the key of. */
    void enqueue(J job) {
        active.put(keyOf.apply(job), job);
        queue.addLast(job);
    }

    /** Queues an order, or parks it behind the active job with its key; returns whether it was parked. */
    boolean admit(J job) {
        K key = keyOf.apply(job);
        if (active.containsKey(key)) {
            parked.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(job);
            return true;
        }
        enqueue(job);
        return false;
    }

    /** Takes the head of the queue into a free slot; {@code null} when no slot is free, nothing waits, or stopped. */
    J next() {
        if (stopped || running.size() >= concurrency || queue.isEmpty()) {
            return null;
        }
        J job = queue.removeFirst();
        running.add(job);
        return job;
    }

    /**
     * Takes a job out, wherever it is (it finished, was cancelled or released): frees its slot or its queue place and
     * lets the first job parked behind it take its place. Returns where it was; {@code null} when it was not here.
     */
    Place leave(J job) {
        K key = keyOf.apply(job);
        ArrayDeque<J> waiting = parked.get(key);
        if (waiting != null && waiting.remove(job)) {
            if (waiting.isEmpty()) {
                parked.remove(key);
            }
            return Place.PARKED;
        }
        Place place;
        if (running.remove(job)) {
            place = Place.RUNNING;
        } else if (queue.remove(job)) {
            place = Place.QUEUED;
        } else {
            return null;
        }
        leaveActive(key, job);
        return place;
    }

    /** Slots free for jobs not admitted yet: free slots that no queued job will take. */
    int capacity() {
        return concurrency - running.size() - queue.size();
    }

    /** Jobs waiting for a slot. */
    int queued() {
        return queue.size();
    }

    /** Jobs holding a slot. */
    int running() {
        return running.size();
    }

    /** Starts nothing more and no longer moves parked jobs into the queue. */
    void stop() {
        stopped = true;
    }

    private void leaveActive(K key, J job) {
        if (!active.remove(key, job)) {
            return;
        }
        ArrayDeque<J> waiting = parked.get(key);
        if (waiting == null) {
            return;
        }
        J next = waiting.pollFirst();
        if (waiting.isEmpty()) {
            parked.remove(key);
        }
        if (next != null && !stopped) {
            active.put(key, next);
            queue.addFirst(next);
        }
    }
}
