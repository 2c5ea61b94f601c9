package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.job.JobFootprint;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.job.JobStateStore;
import dev.hubmirror.job.JobStatus;
import dev.hubmirror.job.RetainedJobs;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Keys: {@code job/<jobId>} ({@link JobStateMessage}), {@code request/<requestId>} ({@link AcceptedRequestMessage})
 * and {@code cancel/<jobId>} ({@link CancelRequestMessage}); compaction keeps the latest value per key. Writes go
 * through an idempotent producer with {@code acks=all} and complete when acknowledged. A reader thread
 * ({@code hub-mirror-job-state}) assigns itself every partition without a consumer group, reads from the beginning
 * and keeps the view in memory; {@link #sync()} records the end offsets at the call and completes once the reader got
 * there. The store is {@linkplain #ready() ready} once it read what the topic held at start.
 *
 * <p>Completions never run on Kafka's threads: they are handed to the given executor.
 */
public final class KafkaJobStateStore implements JobStateStore, AutoCloseable {

    private static final Logger LOGGER = Logger.getLogger(KafkaJobStateStore.class);
    static final String JOB = "job/";
    static final String REQUEST = "request/";
    static final String CANCEL = "cancel/";
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration RETRY = Duration.ofSeconds(2);
    private static final Comparator<JobRecord> NEWEST_FIRST = Comparator
            .comparing((JobRecord r) -> r.job().createdAt(), Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(JobRecord::id).reversed();

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

    private final Map<String, JobRecord> records = new ConcurrentHashMap<>();
    private final Map<String, JobRecord> placeholders = new ConcurrentHashMap<>();
    private final Map<String, Instant> requests = new ConcurrentHashMap<>();
    private final Set<String> cancels = ConcurrentHashMap.newKeySet();
    private final List<Consumer<String>> cancelListeners = new CopyOnWriteArrayList<>();
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
        int count = 0;
        long bytes = 0;
        Instant oldest = null;
        for (Map<String, JobRecord> map : List.of(records, placeholders)) {
            for (Map.Entry<String, JobRecord> entry : map.entrySet()) {
                if (map == placeholders && records.containsKey(entry.getKey())) {
                    continue;
                }
                JobSnapshot job = entry.getValue().job();
                count++;
                bytes += JobFootprint.of(job);
                if (job.finishedAt() != null && (oldest == null || job.finishedAt().isBefore(oldest))) {
                    oldest = job.finishedAt();
                }
            }
        }
        return new RetainedJobs(count, bytes, oldest);
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
        return send(JOB + record.id(), JobStateMessage.of(record));
    }

    @Override
    public Uni<Void> saveAccepted(String requestId, List<JobRecord> jobs) {
        Instant acceptedAt = jobs.isEmpty() ? Instant.now() : jobs.get(0).job().createdAt();
        return send(REQUEST + requestId, new AcceptedRequestMessage(requestId, acceptedAt,
                jobs.stream().map(JobStateMessage::of).toList()));
    }

    @Override
    public Uni<Void> requestCancel(String jobId) {
        return send(CANCEL + jobId, new CancelRequestMessage(jobId, Instant.now()));
    }

    private Uni<Void> send(String key, Object value) {
        return Uni.createFrom().<Void>emitter(emitter -> {
            String text;
            try {
                text = json.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                emitter.fail(e);
                return;
            }
            producer.send(new ProducerRecord<>(topic, key, text), (metadata, failure) -> completions.execute(() -> {
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
        return requests.containsKey(requestId);
    }

    @Override
    public boolean cancelRequested(String jobId) {
        return cancels.contains(jobId);
    }

    @Override
    public void onCancelRequest(Consumer<String> listener) {
        cancelListeners.add(listener);
    }

    @Override
    public Optional<JobRecord> find(String jobId) {
        JobRecord record = records.get(jobId);
        return Optional.ofNullable(record != null ? record : placeholders.get(jobId));
    }

    @Override
    public List<JobRecord> list(Optional<JobStatus> status, int limit) {
        return all().stream()
                .filter(r -> status.isEmpty() || r.job().status() == status.get())
                .sorted(NEWEST_FIRST)
                .limit(Math.max(0, limit))
                .toList();
    }

    @Override
    public Collection<JobRecord> all() {
        Map<String, JobRecord> all = new HashMap<>(placeholders);
        all.putAll(records);
        return List.copyOf(all.values());
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
        records.values().removeIf(r -> r.job().finishedAt() != null && r.job().finishedAt().isBefore(cutoff));
        requests.values().removeIf(acceptedAt -> acceptedAt != null && acceptedAt.isBefore(cutoff));
        placeholders.values().removeIf(r -> r.job().createdAt() != null && r.job().createdAt().isBefore(cutoff));
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
            LOGGER.infof("job state read topic=%s jobs=%d requests=%d", topic, records.size(), requests.size());
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
            LOGGER.errorf(e, "job state reader stopped topic=%s error=%s: restart the instance", topic,
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
                LOGGER.warnf("job state not ready topic=%s error=%s", topic, problem);
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
        String key = record.key();
        String value = record.value();
        if (key == null) {
            return;
        }
        try {
            if (key.startsWith(JOB)) {
                String id = key.substring(JOB.length());
                if (value == null) {
                    records.remove(id);
                } else {
                    records.put(id, json.readValue(value, JobStateMessage.class).toRecord());
                    placeholders.remove(id);
                }
            } else if (key.startsWith(REQUEST)) {
                String requestId = key.substring(REQUEST.length());
                if (value == null) {
                    requests.remove(requestId);
                    return;
                }
                AcceptedRequestMessage accepted = json.readValue(value, AcceptedRequestMessage.class);
                requests.put(requestId, accepted.acceptedAt() == null ? Instant.now() : accepted.acceptedAt());
                for (JobStateMessage job : accepted.jobs()) {
                    if (!records.containsKey(job.jobId())) {
                        placeholders.put(job.jobId(), job.toRecord());
                    }
                }
            } else if (key.startsWith(CANCEL)) {
                String id = key.substring(CANCEL.length());
                if (value == null) {
                    cancels.remove(id);
                } else if (cancels.add(id)) {
                    cancelListeners.forEach(listener -> listener.accept(id));
                }
            }
        } catch (JsonProcessingException | RuntimeException e) {
            LOGGER.warnf("job state record skipped topic=%s partition=%d offset=%d key=%s error=%s", topic,
                    record.partition(), record.offset(), key, e.getMessage());
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
