package dev.hubmirror.transfer;

import dev.hubmirror.failure.MirrorException;
import java.util.Optional;

/** What happened to one file: written, skipped (already verified in the store), or failed. */
public record FileOutcome(String path, long size, boolean skipped, long bytesDownloaded, Optional<MirrorException> failure) {

    static FileOutcome written(String path, long size) {
        return new FileOutcome(path, size, false, size, Optional.empty());
    }

    static FileOutcome skipped(String path, long size) {
        return new FileOutcome(path, size, true, 0, Optional.empty());
    }

    static FileOutcome failed(String path, long size, MirrorException e) {
        return new FileOutcome(path, size, false, 0, Optional.of(e));
    }
}
