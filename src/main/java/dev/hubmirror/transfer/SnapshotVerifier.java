package dev.hubmirror.transfer;

import static dev.hubmirror.log.LogKeys.DEEP;
import static dev.hubmirror.log.LogKeys.FILES;
import static dev.hubmirror.log.LogKeys.MISSING;
import static dev.hubmirror.log.LogKeys.REPO;
import static dev.hubmirror.log.LogKeys.REVISION;
import static dev.hubmirror.log.LogKeys.STATUS;
import static dev.hubmirror.log.LogKeys.UNVERIFIED;
import static dev.hubmirror.log.LogKeys.WRONG;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.LfsInfo;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoredObject;
import dev.hubmirror.transfer.SnapshotReport.FileProblem;
import dev.hubmirror.transfer.SnapshotReport.Problem;
import dev.hubmirror.transfer.SnapshotReport.RefState;
import dev.hubmirror.transfer.SnapshotReport.Status;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import dev.hubmirror.log.LogKeys;

/**
 * Checks that a mirrored snapshot in the store is complete and intact, as an offline {@code huggingface_hub} will
 * need it: {@code refs/<revision>} holds the commit (exactly 40 hex digits), {@code trees/<commit>.json} is there,
 * and every file it lists (that the patterns select) is under {@code snapshots/<commit>/} with the listed size and
 * the hash the mirror recorded when it verified the bytes ({@link FileDigest#SHA256_KEY} for LFS files,
 * {@link FileDigest#GIT_SHA1_KEY} for regular ones). By default it only stats objects; {@code deep} re-reads and
 * re-hashes every file (as many bytes as the snapshot holds). Reads nothing from the Hub.
 */
public final class SnapshotVerifier {

    private static final Logger LOGGER = Logger.getLogger(SnapshotVerifier.class);
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Largest ref file read (a ref is 40 bytes). */
    private static final int MAX_REF_BYTES = 1024;
    /** Largest tree file read: 100,000 files of long paths fit. */
    private static final int MAX_TREE_BYTES = 256 << 20;

    private final ObjectStore store;
    private final int concurrency;
    private final int maxListed;

    /**
     * @param concurrency store requests in flight at once (at least 1)
     * @param maxListed   most files listed per kind of problem (the counts are always complete)
     */
    public SnapshotVerifier(ObjectStore store, int concurrency, int maxListed) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("verify concurrency must be at least 1, got " + concurrency);
        }
        this.store = store;
        this.concurrency = concurrency;
        this.maxListed = Math.max(0, maxListed);
    }

    /** Verifies; fails only when the store itself fails ({@link dev.hubmirror.store.StoreException}). */
    public Uni<SnapshotReport> verify(VerifySpec spec) {
        RepoRef ref = spec.ref();
        PathFilter filter = PathFilter.of(spec.include(), spec.exclude());
        Optional<String> asked = spec.commit().map(c -> c.trim().toLowerCase(Locale.ROOT));
        if (asked.isPresent() && !COMMIT.matcher(asked.get()).matches()) {
            return Uni.createFrom().failure(new MirrorException(Reason.INVALID_REQUEST, "commit '" + asked.get()
                    + "' is not a 40-hex sha"));
        }
        Findings findings = new Findings(ref, spec.deep());
        return resolve(ref, asked, findings).chain(commit -> {
            if (commit == null) {
                return Uni.createFrom().item(findings.report(null, null, false, List.of()));
            }
            String treeKey = CacheLayout.tree(ref, commit);
            return readSmall(treeKey, MAX_TREE_BYTES).chain(tree -> {
                findings.treeExists = tree.isPresent();
                if (tree.isEmpty()) {
                    findings.problems.add(treeKey + " is missing: the snapshot was never completed (a mirror writes it "
                            + "before the ref); mirror the revision again");
                    return Uni.createFrom().item(findings.report(commit, store.url(CacheLayout.snapshotFolder(ref,
                            commit)), false, List.of()));
                }
                List<HubFile> listed;
                try {
                    listed = parseTree(tree.get());
                } catch (IOException | IllegalArgumentException e) {
                    findings.problems.add(treeKey + " is not a tree listing huggingface_hub can read (" + e.getMessage()
                            + "); mirror the revision again");
                    return Uni.createFrom().item(findings.report(commit, store.url(CacheLayout.snapshotFolder(ref,
                            commit)), false, List.of()));
                }
                List<HubFile> selected = listed.stream().filter(f -> filter.accepts(f.path())).toList();
                return checkFiles(ref, commit, selected, spec.deep())
                        .map(problems -> findings.report(commit, store.url(CacheLayout.snapshotFolder(ref, commit)),
                                true, selected, problems));
            });
        }).invoke(report -> LOGGER.infof("snapshot verified" + REPO + REVISION + LogKeys.COMMIT + STATUS + FILES
                + MISSING + WRONG + UNVERIFIED + DEEP, ref.id(), ref.revision(), report.commit(), report.status(),
                report.filesExpected(), report.missingCount(), report.wrongCount(), report.unverifiedCount(),
                report.deep()));
    }

    /** The commit to check, recording what the ref holds; null when it cannot be known. */
    private Uni<String> resolve(RepoRef ref, Optional<String> asked, Findings findings) {
        if (COMMIT.matcher(ref.revision()).matches()) {
            findings.refState = RefState.NOT_NEEDED;
            if (asked.isPresent() && !asked.get().equals(ref.revision())) {
                findings.problems.add("the revision is commit " + ref.revision() + " but commit " + asked.get()
                        + " was asked for: ask for one of them");
                findings.refState = RefState.OTHER_COMMIT;
            }
            return Uni.createFrom().item(ref.revision());
        }
        String refKey = CacheLayout.ref(ref);
        return readSmall(refKey, MAX_REF_BYTES).map(content -> {
            if (content.isEmpty()) {
                findings.refState = RefState.MISSING;
                findings.problems.add(refKey + " is missing: the revision was never mirrored completely into this "
                        + "store (or the repo, type or revision is misspelled, or the ref was deleted); offline workers "
                        + "cannot resolve '" + ref.revision() + "'. Mirror it");
                return asked.orElse(null);
            }
            String text = new String(content.get(), StandardCharsets.US_ASCII);
            String trimmed = text.trim().toLowerCase(Locale.ROOT);
            if (!COMMIT.matcher(text).matches()) {
                findings.refState = RefState.MALFORMED;
                findings.problems.add(refKey + " does not hold exactly a 40-hex commit" + (text.endsWith("\n")
                        ? " (it ends with a newline, which breaks huggingface_hub's offline resolution)" : "")
                        + ": rewrite it with the commit alone, or mirror the revision again");
                if (!COMMIT.matcher(trimmed).matches()) {
                    return asked.orElse(null);
                }
            } else {
                findings.refState = RefState.PRESENT;
            }
            if (asked.isPresent() && !asked.get().equals(trimmed)) {
                findings.refState = RefState.OTHER_COMMIT;
                findings.problems.add(refKey + " points to commit " + trimmed + ", not to " + asked.get()
                        + ": workers asking for '" + ref.revision() + "' get " + trimmed + "; mirror commit "
                        + asked.get() + " under that revision if that is the one they need");
                return asked.get();
            }
            return trimmed;
        });
    }

    private Uni<List<FileProblem>> checkFiles(RepoRef ref, String commit, List<HubFile> files, boolean deep) {
        if (files.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Multi.createFrom().iterable(files)
                .onItem().transformToUni(file -> check(CacheLayout.snapshotFile(ref, commit, file.path()), file, deep))
                .merge(concurrency)
                .filter(Optional::isPresent).map(Optional::get)
                .collect().asList();
    }

    /** The problem with one file, or empty when it is present and intact. */
    private Uni<Optional<FileProblem>> check(String key, HubFile file, boolean deep) {
        FileDigest expected = FileDigest.forFile(file);
        return store.stat(key).chain(found -> {
            if (found.isEmpty()) {
                return problem(file, Problem.MISSING, -1, null);
            }
            StoredObject object = found.get();
            if (object.size() != file.size()) {
                return problem(file, Problem.WRONG_SIZE, object.size(), null);
            }
            String recorded = object.metadata().get(expected.metadataKey());
            if (recorded != null && !recorded.equalsIgnoreCase(expected.expected())) {
                return problem(file, Problem.WRONG_HASH, object.size(), recorded.toLowerCase(Locale.ROOT));
            }
            if (deep) {
                return rehash(key, file);
            }
            return recorded == null ? problem(file, Problem.NO_HASH, object.size(), null)
                    : Uni.createFrom().item(Optional.empty());
        });
    }

    /** Reads the object and hashes it the way the mirror verified it. */
    private Uni<Optional<FileProblem>> rehash(String key, HubFile file) {
        return Uni.createFrom().deferred(() -> {
            FileDigest digest = FileDigest.forFile(file);
            return store.read(key).onItem().invoke(digest::update).collect().last().map(ignored -> {
                if (digest.bytes() != file.size()) {
                    return Optional.of(problemOf(file, Problem.WRONG_SIZE, digest.bytes(), null));
                }
                String actual = digest.finish();
                return actual.equals(digest.expected()) ? Optional.<FileProblem>empty()
                        : Optional.of(problemOf(file, Problem.WRONG_HASH, digest.bytes(), actual));
            });
        });
    }

    private static Uni<Optional<FileProblem>> problem(HubFile file, Problem problem, long actualSize,
            String actualHash) {
        return Uni.createFrom().item(Optional.of(problemOf(file, problem, actualSize, actualHash)));
    }

    private static FileProblem problemOf(HubFile file, Problem problem, long actualSize, String actualHash) {
        return new FileProblem(file.path(), problem, file.size(), actualSize, file.etag(), actualHash);
    }

    /** A small object's bytes, or empty when there is none; fails when it is larger than {@code limit}. */
    private Uni<Optional<byte[]>> readSmall(String key, int limit) {
        return store.stat(key).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(Optional.<byte[]>empty());
            }
            if (found.get().size() > limit) {
                return Uni.createFrom().failure(new MirrorException(Reason.STORE_ERROR, "store object " + store.url(key)
                        + " has " + found.get().size() + " bytes, more than the " + limit + " a verification reads"));
            }
            return store.read(key).collect().in(ByteArrayOutputStream::new, (out, chunk) -> write(out, chunk))
                    .map(out -> Optional.of(out.toByteArray()));
        });
    }

    private static void write(ByteArrayOutputStream out, ByteBuffer chunk) {
        ByteBuffer b = chunk.duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        out.write(bytes, 0, bytes.length);
    }

    /** The files of a {@code trees/<commit>.json} (format 1). */
    static List<HubFile> parseTree(byte[] json) throws IOException {
        JsonNode root = JSON.readTree(json);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (root.path("format_version").asInt(-1) != 1) {
            throw new IllegalArgumentException("format_version is " + root.path("format_version") + ", expected 1");
        }
        JsonNode files = root.path("files");
        if (!files.isObject()) {
            throw new IllegalArgumentException("no 'files' object");
        }
        List<HubFile> result = new ArrayList<>(files.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode f = entry.getValue();
            if (!f.path("size").canConvertToExactIntegral() || !f.path("blob_id").isTextual()) {
                throw new IllegalArgumentException("entry '" + entry.getKey() + "' has no size or blob_id");
            }
            Optional<LfsInfo> lfs = Optional.empty();
            if (f.has("lfs_sha256")) {
                long lfsSize = f.path("lfs_size").asLong(f.path("size").asLong());
                lfs = Optional.of(new LfsInfo(f.path("lfs_sha256").asText(), lfsSize, 0));
            }
            long size = lfs.map(LfsInfo::size).orElse(f.path("size").asLong());
            result.add(new HubFile(entry.getKey(), size, f.path("blob_id").asText(), lfs));
        }
        result.sort(Comparator.comparing(HubFile::path));
        return result;
    }

    /** What was found on the way, turned into the report at the end. */
    private final class Findings {
        private final RepoRef ref;
        private final boolean deep;
        private final List<String> problems = new ArrayList<>();
        private RefState refState = RefState.MISSING;
        /** Whether a {@code trees/<commit>.json} object exists, readable or not. */
        private boolean treeExists;

        Findings(RepoRef ref, boolean deep) {
            this.ref = ref;
            this.deep = deep;
        }

        SnapshotReport report(String commit, String url, boolean treePresent, List<HubFile> selected) {
            return report(commit, url, treePresent, selected, List.of());
        }

        SnapshotReport report(String commit, String url, boolean treePresent, List<HubFile> selected,
                List<FileProblem> files) {
            List<FileProblem> sorted = new ArrayList<>(files);
            sorted.sort(Comparator.comparing(FileProblem::path));
            List<FileProblem> missing = sorted.stream().filter(p -> p.problem() == Problem.MISSING).toList();
            List<FileProblem> wrong = sorted.stream()
                    .filter(p -> p.problem() == Problem.WRONG_SIZE || p.problem() == Problem.WRONG_HASH).toList();
            List<FileProblem> unverified = sorted.stream().filter(p -> p.problem() == Problem.NO_HASH).toList();
            boolean refOk = refState == RefState.PRESENT || refState == RefState.NOT_NEEDED;
            boolean noRef = refState == RefState.MISSING || refState == RefState.NOT_NEEDED;
            Status status = noRef && !treeExists ? Status.NOT_MIRRORED
                    : !refOk || !treePresent || !missing.isEmpty() || !wrong.isEmpty() ? Status.INCOMPLETE
                    : unverified.isEmpty() ? Status.COMPLETE : Status.UNVERIFIED;
            long bytes = selected.stream().mapToLong(HubFile::size).reduce(0, SnapshotLimits::saturatedAdd);
            return new SnapshotReport(ref, commit, status, url, refState, treePresent, selected.size(),
                    selected.size() - files.size(), bytes, cap(missing), cap(wrong), cap(unverified), missing.size(),
                    wrong.size(), unverified.size(), List.copyOf(problems), deep);
        }

        private List<FileProblem> cap(List<FileProblem> list) {
            return list.size() <= maxListed ? list : List.copyOf(list.subList(0, maxListed));
        }
    }
}
