package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobStateView;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * The layout of the compacted job-state topic, with no client: what each write puts on it, and how each record read
 * from it changes a {@link JobStateView}. Keys: {@code job/<jobId>} ({@link JobStateMessage}),
 * {@code request/<requestId>} ({@link AcceptedRequestMessage}) and {@code cancel/<jobId>}
 * ({@link CancelRequestMessage}); a {@code null} value (a tombstone) removes what its key held.
 */
final class JobStateTopic {

    static final String JOB = "job/";
    static final String REQUEST = "request/";
    static final String CANCEL = "cancel/";

    /** One record to write: its key and the message that becomes its value. */
    record Entry(String key, Object value) {
    }

    private final ObjectMapper json;
    private final JobStateView view;
    private final Consumer<String> newCancel;

    /**
     * @param view      the view that records read from the topic change
     * @param newCancel told the job id of each cancellation request the view did not hold yet
     */
    JobStateTopic(ObjectMapper json, JobStateView view, Consumer<String> newCancel) {
        this.json = json;
        this.view = view;
        this.newCancel = newCancel;
    }

    /** The entry that saves a job's record. */
    static Entry job(JobRecord record) {
        return new Entry(JOB + record.id(), JobStateMessage.of(record));
    }

    /** The entry that records an accepted request and its jobs. */
    static Entry accepted(String requestId, Instant acceptedAt, List<JobRecord> jobs) {
        return new Entry(REQUEST + requestId, new AcceptedRequestMessage(requestId, acceptedAt,
                jobs.stream().map(JobStateMessage::of).toList()));
    }

    /** The entry that asks for a job to be cancelled. */
    static Entry cancel(String jobId, Instant at) {
        return new Entry(CANCEL + jobId, new CancelRequestMessage(jobId, at));
    }

    /**
     * Applies one record read from the topic to the view; records with no key or an unknown key are ignored.
     *
     * @throws JsonProcessingException  when the value is not a message of its key
     * @throws IllegalArgumentException when the message holds no valid job (e.g. an invalid repo id)
     */
    void apply(String key, String value) throws JsonProcessingException {
        if (key == null) {
            return;
        }
        if (key.startsWith(JOB)) {
            String id = key.substring(JOB.length());
            if (value == null) {
                view.forgetRecord(id);
            } else {
                view.record(json.readValue(value, JobStateMessage.class).toRecord());
            }
        } else if (key.startsWith(REQUEST)) {
            String requestId = key.substring(REQUEST.length());
            if (value == null) {
                view.forgetRequest(requestId);
                return;
            }
            AcceptedRequestMessage accepted = json.readValue(value, AcceptedRequestMessage.class);
            view.accepted(requestId, accepted.acceptedAt() == null ? Instant.now() : accepted.acceptedAt(),
                    accepted.jobs().stream().map(JobStateMessage::toRecord).toList());
        } else if (key.startsWith(CANCEL)) {
            String id = key.substring(CANCEL.length());
            if (value == null) {
                view.forgetCancel(id);
            } else if (view.requestCancel(id)) {
                newCancel.accept(id);
            }
        }
    }
}
