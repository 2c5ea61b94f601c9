package dev.hubmirror.log;

/**
 * Every key a log line may carry, in one place (as {@code MetricNames} is for meters): a fixed vocabulary with one
 * meaning per key. Each constant is {@code " <key>=%s"} with its leading space, so a message is built by compile-time
 * concatenation, {@code LOGGER.infof("job queued" + JOB + REPO, id, repo)}, and costs nothing at run time.
 * {@code LogKeysTest} fails for a log message that writes a key of its own. Values never hold a token, a signed URL's
 * query or a payload.
 */
public final class LogKeys {

    private LogKeys() {
    }

    // ---- jobs and requests ------------------------------------------------------------------------------------------

    /** A job id. */
    public static final String JOB = " job=%s";

    /** A request id (the idempotency key of a Kafka request). */
    public static final String REQUEST = " request=%s";

    /** A bundle's name (a request's {@code bundle}). */
    public static final String BUNDLE = " bundle=%s";

    /** A replica's name (mirror.kafka.instance). */
    public static final String INSTANCE = " instance=%s";

    /** A shard of work: the partition of a job order. */
    public static final String SHARD = " shard=%s";

    /** A set of shards. */
    public static final String SHARDS = " shards=%s";

    /** An event type: ACCEPTED, SUCCEEDED, FAILED, CANCELLED. */
    public static final String EVENT = " event=%s";

    /** A job status, or an HTTP status code of a response. */
    public static final String STATUS = " status=%s";

    /** How many things the message is about. */
    public static final String COUNT = " count=%s";

    /** A number of jobs. */
    public static final String JOBS = " jobs=%s";

    /** A number of requests, or a topic of requests. */
    public static final String REQUESTS = " requests=%s";

    /** The events topic. */
    public static final String EVENTS = " events=%s";

    /** A number of jobs cancelled. */
    public static final String CANCELLED = " cancelled=%s";

    /** A number of jobs released to another replica. */
    public static final String RELEASED = " released=%s";

    /** A number of jobs resumed. */
    public static final String RESUMED = " resumed=%s";

    /** A number of outcomes announced. */
    public static final String ANNOUNCED = " announced=%s";

    /** The configured target names. */
    public static final String TARGETS = " targets=%s";

    /** A configured target's name; 'default' for the default store. */
    public static final String TARGET = " target=%s";

    /** The configured token names (never a token). */
    public static final String TOKENS = " tokens=%s";

    /** A token's name or whether one is set (never a token). */
    public static final String TOKEN = " token=%s";

    /** The Hub user a token belongs to. */
    public static final String USER = " user=%s";

    // ---- the Hub and the snapshot -----------------------------------------------------------------------------------

    /** A Hub repo id, org/name. */
    public static final String REPO = " repo=%s";

    /** A revision as requested. */
    public static final String REVISION = " revision=%s";

    /** The commit a revision resolved to. */
    public static final String COMMIT = " commit=%s";

    /** A file's path inside the repo. */
    public static final String PATH = " path=%s";

    /** A number of files. */
    public static final String FILES = " files=%s";

    /** A number of files already in the store, verified. */
    public static final String SKIPPED = " skipped=%s";

    /** A number of files missing from the store. */
    public static final String MISSING = " missing=%s";

    /** A number of files whose size or hash is wrong. */
    public static final String WRONG = " wrong=%s";

    /** A number of files without the hash metadata. */
    public static final String UNVERIFIED = " unverified=%s";

    /** Whether verification re-reads the bytes. */
    public static final String DEEP = " deep=%s";

    /** A number of bytes. */
    public static final String BYTES = " bytes=%s";

    /** A number of bytes downloaded (skipped files not counted). */
    public static final String BYTES_DOWNLOADED = " bytesDownloaded=%s";

    /** A host name. */
    public static final String HOST = " host=%s";

    /** A service's endpoint host or URL (Hub, S3, GCS). */
    public static final String ENDPOINT = " endpoint=%s";

    /** A forward proxy, host:port. */
    public static final String PROXY = " proxy=%s";

    /** An HTTP method. */
    public static final String METHOD = " method=%s";

    /** The number of the attempt about to be made, from 1. */
    public static final String ATTEMPT = " attempt=%s";

    /** The wait before the next attempt, in milliseconds. */
    public static final String DELAY_MS = " delayMs=%s";

    // ---- the store --------------------------------------------------------------------------------------------------

    /** A store's kind: s3, gcs, file. */
    public static final String STORE = " store=%s";

    /** An adapter's kind. */
    public static final String KIND = " kind=%s";

    /** A store URL (never a signed URL's query). */
    public static final String URL = " url=%s";

    /** A directory store's root directory. */
    public static final String ROOT = " root=%s";

    /** A store key, relative to the store's prefix (as ObjectStore takes it); never the full object name. */
    public static final String KEY = " key=%s";

    /** An object's full name in its bucket, the store's prefix included (what a store's own request names). */
    public static final String OBJECT = " object=%s";

    /** A store's id of one upload (S3 upload id, GCS session name, temp file name). */
    public static final String UPLOAD_ID = " uploadId=%s";

    /** A part number, from 1. */
    public static final String PART = " part=%s";

    /** A number of parts. */
    public static final String PARTS = " parts=%s";

    /** When an upload was initiated. */
    public static final String INITIATED = " initiated=%s";

    /** How a store keeps metadata: xattr or sidecar. */
    public static final String MODE = " mode=%s";

    // ---- Kafka ------------------------------------------------------------------------------------------------------

    /** A Kafka topic. */
    public static final String TOPIC = " topic=%s";

    /** A set of Kafka topics. */
    public static final String TOPICS = " topics=%s";

    /** A Kafka partition. */
    public static final String PARTITION = " partition=%s";

    /** A Kafka offset. */
    public static final String OFFSET = " offset=%s";

    /** A Kafka record's key. */
    public static final String RECORD_KEY = " recordKey=%s";

    /** The Kafka bootstrap servers. */
    public static final String BOOTSTRAP = " bootstrap=%s";

    /** The job-state topic. */
    public static final String STATE = " state=%s";

    // ---- the service ------------------------------------------------------------------------------------------------

    /** A health check's name. */
    public static final String CHECK = " check=%s";

    /** A local file the service reads (a key file, a token file). */
    public static final String FILE = " file=%s";

    /** A stable failure code (Reason). */
    public static final String REASON = " reason=%s";

    /** What went wrong: a Reason, or an exception's message (secrets redacted). */
    public static final String ERROR = " error=%s";

    // ---- registries (images and charts) -----------------------------------------------------------------------------

    /** An image's or chart's reference, in the source or the target registry ({@code kind:reference} for a job). */
    public static final String IMAGE = " image=%s";

    /** The source reference an image or chart is copied from. */
    public static final String SOURCE = " source=%s";

    /** A content digest, {@code sha256:<hex>}. */
    public static final String DIGEST = " digest=%s";

    /** A registry call's name (what the exchange was for). */
    public static final String CALL = " call=%s";

    /** What became of a blob: copied, mounted or skipped. */
    public static final String OUTCOME = " outcome=%s";

    /** The byte offset a transfer resumes from. */
    public static final String FROM = " from=%s";

    /** The bytes a registry reports it holds of an upload. */
    public static final String HELD = " held=%s";

    /** The target registry's host ({@code none}: not configured). */
    public static final String REGISTRY = " registry=%s";

    /** How source references map to the target registry, in words. */
    public static final String MAPPING = " mapping=%s";

    /** Which credentials are configured (never their values). */
    public static final String CREDENTIALS = " credentials=%s";

    /** Hosts spoken to over plain http. */
    public static final String PLAIN_HTTP = " plainHttp=%s";

    /** Private hosts allowed as registry targets. */
    public static final String PRIVATE_HOSTS = " privateHosts=%s";
}
