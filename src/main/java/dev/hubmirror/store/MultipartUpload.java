package dev.hubmirror.store;

import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * One object being uploaded in parts. Parts are fully buffered by the caller, so {@link #uploadPart} may be
 * re-subscribed to re-send a part. Parts may be uploaded concurrently and in any order.
 */
public interface MultipartUpload {

    /** The key the object will have once completed. */
    String key();

    /** The store's id for this upload (S3 upload id, GCS session, temp file name); safe to log. */
    String id();

    /** Uploads one part; re-subscribing re-sends the same bytes. The part's buffer is not retained after success. */
    Uni<PartReceipt> uploadPart(Part part);

    /** Makes the object visible from the given receipts (any order; sorted by part number here). */
    Uni<Void> complete(List<PartReceipt> receipts);

    /** Discards everything uploaded; idempotent; nothing becomes visible. */
    Uni<Void> abort();
}
