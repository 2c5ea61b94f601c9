package dev.hubmirror.api.kafka;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.JOBS;
import static dev.hubmirror.log.LogKeys.OFFSET;
import static dev.hubmirror.log.LogKeys.PARTITION;
import static dev.hubmirror.log.LogKeys.RECORD_KEY;
import static dev.hubmirror.log.LogKeys.REQUESTS;
import static dev.hubmirror.log.LogKeys.TOPIC;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobStateStore;
import dev.hubmirror.job.JobStateView;
import dev.hubmirror.job.JobStatus;
import dev.hubmirror.job.RetainedJobs;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The {@link JobStateStore} on a compacted Kafka topic that every replica reads in full.
 *
 * <p>What the topic holds is {@link JobStateTopic}'s layout; compaction keeps the latest value per key. Writes go
 * through an idempotent producer with {@code acks=all} and complete when acknowledged. A reader thread
 * ({@code hub-mirror-job-state}) assigns itself every partition without a consumer group, reads from the beginning
 * and applies every record to the in-memory {@link JobStateView}, which answers every read; {@link #sync()} records
 * the end offsets at the call and completes once the reader got there. The store is {@linkplain #ready() ready} once
 * it read what the topic held at start.
 *
 * <p>Completions never run on Kafka's threads: they are handed to the given executor.
 */
public final class KafkaJobStateStore implements JobStateStore, AutoCloseable {

    private static final Logger LOGGER = Logger.getLogger(KafkaJobStateStore.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration RETRY = Duration.ofSeconds(2);

    private final String topic;
    private final ObjectMapper json;
    private final Executor completions;
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Thread reader;
    private volatile boolean running = true;
    private volatile boolean ready;
    /** Why the view is not ready yet (waiting for the broker, the topic missing, reading); null once ready. */
    private volatile String problem;

    private final JobStateView view = new JobStateView();
    private final List<Consumer<String>> cancelListeners = new CopyOnWriteArrayList<>();
    private final JobStateTopic layout;
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> syncRequests = new ConcurrentLinkedQueue<>();

    /**
     * A store on {@code topic}.
     *
     * @param kafka       the common Kafka client settings (Quarkus' {@code kafka.*}: brokers, SASL, TLS)
     * @param instance    this replica's name, for the client ids
     * @param completions where write and sync completions run
     */
    public KafkaJobStateStore(Map<String, Object> kafka, String topic, String instance, ObjectMapper json,
            Executor completions) {
        this.topic = topic;
        this.json = json;
        this.completions = completions;
        this.layout = new JobStateTopic(json, view, id -> cancelListeners.forEach(listener -> listener.accept(id)));
        Map<String, Object> common = new HashMap<>(kafka);
        common.remove(ConsumerConfig.GROUP_ID_CONFIG);
        common.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);

        Map<String, Object> producerConfig = new HashMap<>(common);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "hub-mirror-job-state-writer-" + instance);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        this.producer = new KafkaProducer<>(onlyKnown(producerConfig, ProducerConfig.configNames()));

        Map<String, Object> consumerConfig = new HashMap<>(common);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "hub-mirror-job-state-reader-" + instance);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(onlyKnown(consumerConfig, ConsumerConfig.configNames()));

        this.reader = new Thread(this::read, "hub-mirror-job-state");
        this.reader.setDaemon(true);
        this.problem = "the reader has not started on topic " + topic;
    }

    /** Starts reading the topic. */
    public void start() {
        reader.start();
    }

    /** Whether the view holds everything the topic held when the store started. */
    public boolean ready() {
        return ready;
    }

    /** Why the view is not ready: the broker away, the topic missing, still reading; empty once ready. */
    public Optional<String> problem() {
        return ready ? Optional.empty() : Optional.ofNullable(problem);
    }

    /** The topic the view reads. */
    public String topic() {
        return topic;
    }

    /** The job records the view keeps and their estimated heap, with the oldest finished job's time. */
    public RetainedJobs retained() {
        return view.retained();
    }

    /** Stops reading, waits briefly for pending writes, closes the clients. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        CompletableFuture<Void> pending;
        while ((pending = syncRequests.poll()) != null) {
            pending.completeExceptionally(new IllegalStateException("the job state store closed"));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // writes

    @Override
    public Uni<Void> save(JobRecord record) {
        return send(JobStateTopic.job(record));
    }

    @Override
    public Uni<Void> saveAccepted(String requestId, List<JobRecord> jobs) {
        Instant acceptedAt = jobs.isEmpty() ? Instant.now() : jobs.get(0).job().times().createdAt();
        return send(JobStateTopic.accepted(requestId, acceptedAt, jobs));
    }

    @Override
    public Uni<Void> requestCancel(String jobId) {
        return send(JobStateTopic.cancel(jobId, Instant.now()));
    }

    private Uni<Void> send(JobStateTopic.Entry entry) {
        return Uni.createFrom().<Void>emitter(emitter -> {
            String text;
            try {
                text = json.writeValueAsString(entry.value());
            } catch (JsonProcessingException e) {
                emitter.fail(e);
                return;
            }
            ProducerRecord<String, String> record = new ProducerRecord<>(topic, entry.key(), text);
            producer.send(record, (metadata, failure) -> completions.execute(() -> {
                if (failure == null) {
                    emitter.complete(null);
                } else {
                    emitter.fail(failure);
                }
            }));
        }).runSubscriptionOn(completions);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // reads

    @Override
    public boolean requestSeen(String requestId) {
        return view.requestSeen(requestId);
    }

    @Override
    public boolean cancelRequested(String jobId) {
        return view.cancelRequested(jobId);
    }

    @Override
    public void onCancelRequest(Consumer<String> listener) {
        cancelListeners.add(listener);
    }

    @Override
    public Optional<JobRecord> find(String jobId) {
        return view.find(jobId);
    }

    @Override
    public List<JobRecord> list(Optional<JobStatus> status, int limit) {
        return view.list(status, limit);
    }

    @Override
    public Collection<JobRecord> all() {
        return view.all();
    }

    @Override
    public Uni<Void> sync() {
        return Uni.createFrom().completionStage(() -> {
            CompletableFuture<Void> reached = new CompletableFuture<>();
            if (!running) {
                reached.completeExceptionally(new IllegalStateException("the job state store closed"));
            } else {
                syncRequests.add(reached);
            }
            return reached;
        });
    }

    @Override
    public void forgetFinishedBefore(Instant cutoff) {
        view.forgetFinishedBefore(cutoff);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the reader thread

    /**
     * A sync caller waiting for the reader to reach the end offsets taken at its call. An {@code inline} waiter is
     * completed on the reader thread itself, before any later waiter's completion is handed to the executor: the
     * start waiter, so that {@link #ready()} is true by the time any sync that began after the start completes.
     */
    private record Waiter(Map<TopicPartition, Long> target, CompletableFuture<Void> reached, boolean inline) {
    }

    private void read() {
        List<Waiter> waiting = new ArrayList<>();
        CompletableFuture<Void> started = new CompletableFuture<>();
        started.thenRun(() -> {
            ready = true;
            problem = null;
            LOGGER.infof("job state read" + TOPIC + JOBS + REQUESTS, topic, view.recordCount(), view.requestCount());
        });
        try {
            List<TopicPartition> partitions = partitions();
            problem = "reading topic " + topic + " up to where it stood at start";
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            waiting.add(new Waiter(consumer.endOffsets(partitions), started, true));
            while (running) {
                CompletableFuture<Void> request;
                while ((request = syncRequests.poll()) != null) {
                    waiting.add(new Waiter(consumer.endOffsets(partitions), request, false));
                }
                for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                    apply(record);
                }
                completeReached(waiting);
            }
        } catch (WakeupException e) {
            // closing
        } catch (KafkaException | IllegalStateException e) {
            problem = "the job state reader of topic " + topic + " stopped (" + e.getMessage()
                    + "): restart the instance";
            ready = false;
            LOGGER.errorf(e, "job state reader stopped" + TOPIC + ERROR + ": restart the instance", topic,
                    e.getMessage());
        } finally {
            running = false;
            waiting.forEach(w -> w.reached().completeExceptionally(new IllegalStateException(
                    "the job state reader stopped")));
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /**
     * The topic's partitions; waits (on the reader thread) until the topic exists. What it waits for is kept as the
     * {@link #problem()} and logged once per change, not per attempt.
     */
    private List<TopicPartition> partitions() {
        String logged = null;
        while (running) {
            List<PartitionInfo> infos = null;
            try {
                infos = consumer.partitionsFor(topic);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                problem = "no broker answered for the metadata of topic " + topic + " (" + e.getMessage()
                        + "): waiting for it";
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            if (infos != null) {
                problem = "topic " + topic + " (mirror.kafka.topics.job-state) is missing: create it compacted as "
                        + "docs/kafka.md#topics shows; waiting for it";
            }
            if (!problem.equals(logged)) {
                logged = problem;
                LOGGER.warnf("job state not ready" + TOPIC + ERROR, topic, problem);
            }
            try {
                Thread.sleep(RETRY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
        }
        throw new WakeupException();
    }

    private void completeReached(List<Waiter> waiting) {
        for (Iterator<Waiter> it = waiting.iterator(); it.hasNext();) {
            Waiter waiter = it.next();
            boolean reached = true;
            for (Map.Entry<TopicPartition, Long> end : waiter.target().entrySet()) {
                if (consumer.position(end.getKey()) < end.getValue()) {
                    reached = false;
                    break;
                }
            }
            if (reached) {
                it.remove();
                if (waiter.inline()) {
                    waiter.reached().complete(null);
                } else {
                    completions.execute(() -> waiter.reached().complete(null));
                }
            }
        }
    }

    private void apply(ConsumerRecord<String, String> record) {
        try {
            layout.apply(record.key(), record.value());
        } catch (JsonProcessingException | RuntimeException e) {
            LOGGER.warnf("job state record skipped" + TOPIC + PARTITION + OFFSET + RECORD_KEY + ERROR, topic,
                    record.partition(), record.offset(), record.key(), e.getMessage());
        }
    }

    private static Map<String, Object> onlyKnown(Map<String, Object> config, Set<String> known) {
        Map<String, Object> result = new HashMap<>();
        config.forEach((k, v) -> {
            if (known.contains(k) || k.startsWith("sasl.") || k.startsWith("ssl.") || k.equals("tls-configuration-name")) {
                result.put(k, v);
            }
        });
        return result;
    }
}
