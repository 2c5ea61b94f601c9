package dev.hubmirror.job;

/**
 * How far a job got: files and bytes, done and planned. Counters only grow while the job runs.
 *
 * @param filesDone    files finished so far, skipped ones included
 * @param filesTotal   files selected, once planned
 * @param filesSkipped files already in the store, verified, from an earlier run
 * @param bytesDone    bytes downloaded and verified so far, plus the sizes of skipped files
 * @param bytesTotal   bytes of all selected files, once planned
 */
public record JobProgress(int filesDone, int filesTotal, int filesSkipped, long bytesDone, long bytesTotal) {

    /** Nothing planned or done yet. */
    public static final JobProgress NONE = new JobProgress(0, 0, 0, 0, 0);
}
