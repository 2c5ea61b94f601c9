package dev.hubmirror.store;

import dev.hubmirror.failure.Reason;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link MultipartUpload} whose parts and receipts the store contract checks before the adapter sees them, the same
 * for every store: a part must have a number the store allows and fit the object's size; a completion's receipts must
 * cover the object exactly (sorted by number, no number twice, each part starting where the one before ended, the
 * last ending at the size), so that no hole and no overlap is ever published; once aborted or completed, an upload
 * takes no more parts (a second completion succeeds again, an abort after a completion does nothing, an abort may be
 * repeated). Adapters implement the checked operations.
 */
public abstract class CheckedMultipartUpload implements MultipartUpload {

    private final String key;
    private final long size;
    private final StoreLimits limits;
    /** How the upload ended: {@link #COMPLETED}, {@link #ABORTED}, or {@code null} while it is open. */
    private final AtomicReference<String> ended = new AtomicReference<>();
    private static final String COMPLETED = "completed";
    private static final String ABORTED = "aborted";

    /**
     * @param key    the key the object will have
     * @param size   the object's size, as the upload was begun for
     * @param limits the store's limits (the highest part number)
     */
    protected CheckedMultipartUpload(String key, long size, StoreLimits limits) {
        this.key = key;
        this.size = size;
        this.limits = limits;
    }

    @Override
    public final String key() {
        return key;
    }

    /** The object's size, as the upload was begun for. */
    protected final long size() {
        return size;
    }

    @Override
    public final Uni<PartReceipt> uploadPart(Part part) {
        return Uni.createFrom().deferred(() -> {
            StoreException refused = refusal(part);
            return refused == null ? uploadChecked(part) : Uni.createFrom().failure(refused);
        });
    }

    @Override
    public final Uni<Void> abort() {
        return Uni.createFrom().deferred(() -> {
            if (COMPLETED.equals(ended.get())) {
                return Uni.createFrom().voidItem();
            }
            ended.compareAndSet(null, ABORTED);
            return abortChecked();
        });
    }

    @Override
    public final Uni<Void> complete(List<PartReceipt> receipts) {
        return Uni.createFrom().deferred(() -> {
            if (COMPLETED.equals(ended.get())) {
                return Uni.createFrom().voidItem();
            }
            if (ABORTED.equals(ended.get())) {
                return Uni.createFrom().failure(closed("complete"));
            }
            List<PartReceipt> sorted = new ArrayList<>(receipts);
            sorted.sort(Comparator.comparingInt(PartReceipt::number));
            StoreException gap = coverage(sorted);
            return gap == null ? completeChecked(sorted).invoke(() -> ended.compareAndSet(null, COMPLETED))
                    : refused(gap);
        });
    }

    /** Uploads a part that fits the object. */
    protected abstract Uni<PartReceipt> uploadChecked(Part part);

    /** Completes from receipts, sorted by part number, that cover the object exactly. */
    protected abstract Uni<Void> completeChecked(List<PartReceipt> sorted);

    /** Discards everything uploaded; called again when an abort is repeated, never after a completion. */
    protected abstract Uni<Void> abortChecked();

    /** What a refused completion does: fail with {@code refusal} (a store may first abort the upload). */
    protected Uni<Void> refused(StoreException refusal) {
        return Uni.createFrom().failure(refusal);
    }

    private StoreException refusal(Part part) {
        if (ended.get() != null) {
            return closed("upload part " + part.number() + " of");
        }
        if (part.number() < 1 || part.number() > limits.maxParts()) {
            return new StoreException(Reason.INTERNAL, false, "part " + part.number() + " of store key '" + key
                    + "' (upload " + id() + ") refused: part numbers go from 1 to " + limits.maxParts(), null);
        }
        if (part.offset() < 0 || part.offset() + part.length() > size) {
            return new StoreException(Reason.INTERNAL, false, "part " + part.number() + " of store key '" + key
                    + "' at offset " + part.offset() + " with " + part.length()
                    + " bytes does not fit the object's size " + size, null);
        }
        return null;
    }

    private StoreException coverage(List<PartReceipt> sorted) {
        Set<Integer> numbers = new HashSet<>();
        long next = 0;
        for (PartReceipt r : sorted) {
            if (!numbers.add(r.number())) {
                return refusedCompletion("part " + r.number() + " is listed twice");
            }
            if (r.offset() != next) {
                return refusedCompletion("part " + r.number() + " starts at " + r.offset() + ", expected " + next);
            }
            next += r.length();
        }
        if (next != size) {
            return refusedCompletion("the parts hold " + next + " bytes but the upload was begun for " + size
                    + " bytes");
        }
        return null;
    }

    private StoreException closed(String action) {
        return new StoreException(Reason.STORE_ERROR, false, "cannot " + action + " store key '" + key + "': upload "
                + id() + " was already " + ended.get(), null);
    }

    private StoreException refusedCompletion(String why) {
        return new StoreException(Reason.STORE_ERROR, false, "cannot complete store key '" + key + "' (upload " + id()
                + "): " + why + "; nothing was published", null);
    }
}
