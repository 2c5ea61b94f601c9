package dev.hubmirror.memory;

/** What a {@link BufferScope} can release when it closes: a buffer or a reservation. */
sealed interface Releasable permits PooledBuffer, Reservation {

    /** Gives the memory back to the pool whoever still holds it; idempotent. */
    void free();

    /** Notes the scope that holds this (set once, when it is granted). */
    void heldBy(BufferScope scope);
}
