package dev.hubmirror.api.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.api.rest.VerifyResponse;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.transfer.SnapshotReport;
import dev.hubmirror.transfer.SnapshotVerifier;
import dev.hubmirror.transfer.VerifySpec;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hub-mirror verify --store URL REPO[@REV]...}: checks snapshots in a store with the service's
 * {@link SnapshotVerifier}, reading only the store ({@code refs/<revision>}, {@code trees/<commit>.json}, each
 * file's size and recorded hash, or with {@code --deep} every byte): no Hub, no service. Made for the air-gapped side,
 * after the store prefix was copied across.
 */
@Command(name = "verify", sortOptions = false, usageHelpAutoWidth = true,
        description = "Checks that mirrored snapshots in a store are complete and intact, reading only the store. "
                + "Needs no Hub and no running service: run it where the copy is (the air-gapped bucket).",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            " 0:Every snapshot is COMPLETE.",
            " 1:The store failed (access denied, bucket missing...) and a retry will not help.",
            " 2:Invalid arguments; nothing was started.",
            " 3:A snapshot is INCOMPLETE: its ref, tree or files are missing or wrong (listed).",
            " 4:A snapshot is UNVERIFIED: all present, some files record no hash (copied by another tool): "
                    + "run with --deep.",
            " 5:A snapshot is NOT_MIRRORED: neither its ref nor its tree is in the store (never mirrored or copied).",
            "75:The store was unavailable: run again."},
        footer = {"%nExample, on the air-gapped side after copying s3://models/weights across:",
            "  AWS_ENDPOINT_URL_S3=http://minio.internal:9000 AWS_ACCESS_KEY_ID=... \\",
            "    AWS_SECRET_ACCESS_KEY=... java -jar quarkus-run.jar \\",
            "    verify --store s3://models/weights BAAI/bge-m3 intfloat/e5-base-v2"})
public class VerifyCommand implements Callable<Integer>, ToolCommand {

    @Parameters(paramLabel = "REPO[@REV]", arity = "1..*",
            description = "Repo id, optionally with the branch, tag, commit or refs/pr/N it was mirrored at "
                    + "(default main).")
    List<String> repos = new ArrayList<>();

    @Option(names = "--store", paramLabel = "URL",
            description = "Store URL: s3://bucket/prefix, gs://bucket/prefix, file:///path or a directory. "
                    + "Default: MIRROR_STORE_URL (mirror.store.url).")
    String storeUrl;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "model",
            description = "model (default), dataset or space, for every repo.")
    String type;

    @Option(names = "--include", paramLabel = "PATTERN",
            description = "The include patterns the mirror was made with; repeatable.")
    List<String> include = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "PATTERN",
            description = "The exclude patterns the mirror was made with; repeatable.")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--deep", description = "Re-read and re-hash every file (sha256 / git sha1) instead of trusting "
            + "the hash recorded when it was mirrored.")
    boolean deep;

    @Option(names = "--json", description = "Print one JSON document (per repo: the body of GET /v1/verify).")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Log at INFO (on standard error); default WARN.")
    boolean verbose;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Inject
    Instance<SnapshotVerifier> verifier;

    @Inject
    Instance<ObjectStore> store;

    @Inject
    Instance<ObjectMapper> mapper;

    @Override
    public void validate() {
        RepoArguments.parseAll(spec.commandLine(), repos, type, include, exclude);
        RepoArguments.checkStoreUrl(spec.commandLine(), "--store", storeUrl);
    }

    @Override
    public Map<String, String> bootProperties() {
        return BootSettings.tool(verbose, Optional.ofNullable(storeUrl));
    }

    @Override
    public Integer call() {
        List<RepoRef> refs = RepoArguments.parseAll(spec.commandLine(), repos, type, include, exclude);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String prefixUrl = store.get().url("");
        SnapshotVerifier checker = verifier.get();
        List<VerifyResponse> reports = new ArrayList<>();
        List<VerifyCommandResponse.Failure> failures = new ArrayList<>();
        int exit = ExitCodes.OK;
        if (!json) {
            out.println("verifying " + refs.size() + (refs.size() == 1 ? " snapshot" : " snapshots") + " in "
                    + prefixUrl + (deep ? " (deep: re-hashing every byte)" : ""));
        }
        for (RepoRef ref : refs) {
            String label = ref.type().singular() + " " + ref.id().id() + "@" + ref.revision();
            try {
                SnapshotReport report = checker.verify(new VerifySpec(ref, Optional.empty(), include, exclude, deep))
                        .await().indefinitely();
                reports.add(VerifyResponse.of(report));
                exit = ExitCodes.worse(exit, exitCode(report.status()));
                if (!json) {
                    print(out, label, report);
                }
            } catch (RuntimeException e) {
                MirrorException failure = MirrorException.of(e);
                failures.add(new VerifyCommandResponse.Failure(ref.id().id(), ref.type().singular(), ref.revision(),
                        failure.reason().name(), failure.retriable(), failure.getMessage()));
                exit = ExitCodes.worse(exit, ExitCodes.forFailure(failure.retriable()));
                err.println("failed " + label + ": " + failure.reason() + ": " + failure.getMessage());
            }
        }
        if (json) {
            out.println(toJson(new VerifyCommandResponse(status(exit), exit, prefixUrl, reports, failures)));
        }
        out.flush();
        return exit;
    }

    private static int exitCode(SnapshotReport.Status status) {
        return switch (status) {
            case COMPLETE -> ExitCodes.OK;
            case INCOMPLETE -> ExitCodes.INCOMPLETE;
            case UNVERIFIED -> ExitCodes.UNVERIFIED;
            case NOT_MIRRORED -> ExitCodes.NOT_MIRRORED;
        };
    }

    private static String status(int exit) {
        return switch (exit) {
            case ExitCodes.OK -> "COMPLETE";
            case ExitCodes.INCOMPLETE -> "INCOMPLETE";
            case ExitCodes.UNVERIFIED -> "UNVERIFIED";
            case ExitCodes.NOT_MIRRORED -> "NOT_MIRRORED";
            default -> "FAILED";
        };
    }

    private static void print(PrintWriter out, String label, SnapshotReport r) {
        out.println(r.status() + " " + label + (r.commit() == null ? "" : " at " + r.commit()) + ": "
                + r.filesVerified() + " of " + r.filesExpected() + " files verified (" + Human.bytes(r.bytesExpected())
                + " in all)" + counts(r));
        if (r.snapshotUrl() != null) {
            out.println("  snapshot: " + r.snapshotUrl());
        }
        for (String problem : r.problems()) {
            out.println("  problem: " + problem);
        }
        r.missing().forEach(p -> out.println("  missing     " + p.path() + " (" + Human.bytes(p.expectedSize()) + ")"));
        r.wrong().forEach(p -> out.println("  wrong       " + p.path() + ": " + wrong(p)));
        r.unverified().forEach(p -> out.println("  unverified  " + p.path() + " (no recorded hash: run --deep)"));
        if (r.missing().size() < r.missingCount() || r.wrong().size() < r.wrongCount()
                || r.unverified().size() < r.unverifiedCount()) {
            out.println("  (lists cut at mirror.verify.max-listed entries)");
        }
    }

    private static String counts(SnapshotReport r) {
        if (r.missingCount() + r.wrongCount() + r.unverifiedCount() == 0) {
            return "";
        }
        return "; " + r.missingCount() + " missing, " + r.wrongCount() + " wrong, " + r.unverifiedCount()
                + " unverified";
    }

    private static String wrong(SnapshotReport.FileProblem p) {
        return switch (p.problem()) {
            case WRONG_SIZE -> "size " + p.actualSize() + ", the tree lists " + p.expectedSize();
            case WRONG_HASH -> "hash " + p.actualHash() + ", the tree lists " + p.expectedHash();
            case MISSING, NO_HASH -> p.problem().name();
        };
    }

    private String toJson(Object value) {
        try {
            return mapper.get().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON report: " + e.getMessage(), e);
        }
    }
}
