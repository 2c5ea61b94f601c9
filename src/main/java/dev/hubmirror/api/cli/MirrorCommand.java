package dev.hubmirror.api.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.transfer.MirrorOutcome;
import dev.hubmirror.transfer.MirrorSpec;
import dev.hubmirror.transfer.SnapshotMirror;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hub-mirror mirror REPO[@REV]...}: mirrors each repo, one after the other, in this process, through the
 * service's own {@link SnapshotMirror} (same engine, configuration and environment), into the store of
 * {@code --to} (default {@code mirror.store.url}). Shows progress, then where each snapshot is and the URL to give the
 * inference chart's {@code clusterCache.url}. A failed repo does not stop the next one; the exit code tells the worst.
 */
@Command(name = "mirror", sortOptions = false, usageHelpAutoWidth = true,
        description = "Mirrors repos from the Hub into the store, in this process, then exits. Uses the service's "
                + "configuration and environment: HF_ENDPOINT, HF_TOKEN, MIRROR_STORE_URL, AWS_*, MIRROR_TRANSFER_*...",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            " 0:Every repo was mirrored.",
            " 1:A repo failed and a retry will not help (not found, gated, checksum mismatch, access denied...).",
            " 2:Invalid arguments; nothing was started.",
            "75:A repo failed for a reason a retry may fix (Hub or store unavailable, rate limited): run again; "
                    + "verified files are not fetched twice."},
        footer = {"%nExample:",
            "  MIRROR_STORE_URL=s3://models/weights AWS_REGION=eu-west-1 \\",
            "    java -jar quarkus-run.jar mirror BAAI/bge-m3 intfloat/e5-base-v2@main \\",
            "    --include '*.json' --include '*.safetensors'"})
public class MirrorCommand implements java.util.concurrent.Callable<Integer>, ToolCommand {

    @Parameters(paramLabel = "REPO[@REV]", arity = "1..*",
            description = "Repo id, optionally with a branch, tag, commit or refs/pr/N (default main).")
    List<String> repos = new ArrayList<>();

    @Option(names = "--to", paramLabel = "URL",
            description = "Store URL: s3://bucket/prefix, gs://bucket/prefix, file:///path or a directory. "
                    + "Default: MIRROR_STORE_URL (mirror.store.url).")
    String to;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "model",
            description = "model (default), dataset or space, for every repo.")
    String type;

    @Option(names = "--include", paramLabel = "PATTERN",
            description = "Only files matching (huggingface_hub allow_patterns, e.g. '*.safetensors'); repeatable.")
    List<String> include = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "PATTERN",
            description = "Skip files matching (huggingface_hub ignore_patterns); repeatable.")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON document with the outcome of every repo, no progress.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Log at INFO (on standard error); default WARN.")
    boolean verbose;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Inject
    Instance<SnapshotMirror> mirror;

    @Inject
    Instance<ObjectStore> store;

    @Inject
    Instance<ObjectMapper> mapper;

    @Inject
    Instance<RunningCommands> running;

    /** The clock of the progress display; tests replace it. */
    LongSupplier nanoClock = System::nanoTime;

    @Override
    public void validate() {
        RepoArguments.parseAll(spec.commandLine(), repos, type, include, exclude);
        RepoArguments.checkStoreUrl(spec.commandLine(), "--to", to);
    }

    @Override
    public Map<String, String> bootProperties() {
        return BootSettings.tool(verbose, Optional.ofNullable(to));
    }

    @Override
    public Integer call() {
        List<RepoRef> refs = RepoArguments.parseAll(spec.commandLine(), repos, type, include, exclude);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ObjectStore target = store.get();
        SnapshotMirror engine = mirror.get();
        String prefixUrl = target.url("");
        boolean terminal = !json && Terminal.interactive();
        if (!json) {
            out.println("mirroring " + refs.size() + (refs.size() == 1 ? " repo" : " repos") + " into " + prefixUrl);
        }
        List<MirrorCommandResponse.Repo> results = new ArrayList<>();
        int exit = ExitCodes.OK;
        for (RepoRef ref : refs) {
            MirrorCommandResponse.Repo result = mirrorOne(engine, ref, out, err, terminal);
            results.add(result);
            if (result.error() != null) {
                exit = ExitCodes.worse(exit, ExitCodes.forFailure(result.error().retriable()));
            }
        }
        if (json) {
            out.println(toJson(new MirrorCommandResponse(exit == ExitCodes.OK ? "SUCCEEDED" : "FAILED", exit,
                    prefixUrl, prefixUrl, results)));
        } else {
            long failed = results.stream().filter(r -> r.error() != null).count();
            if (failed < results.size()) {
                out.println("clusterCache.url: " + prefixUrl
                        + "   (the inference chart's workers.common.clusterCache.url)");
            }
            if (failed > 0) {
                err.println(failed + " of " + results.size() + " repos failed (exit " + exit + ")");
            }
        }
        out.flush();
        return exit;
    }

    private MirrorCommandResponse.Repo mirrorOne(SnapshotMirror engine, RepoRef ref, PrintWriter out,
            PrintWriter err, boolean terminal) {
        String label = ref.type().singular() + " " + ref.id().id() + "@" + ref.revision();
        MirrorTally tally = new MirrorTally();
        long start = nanoClock.getAsLong();
        ScheduledExecutorService ticker = null;
        ProgressDisplay display = null;
        if (!json) {
            out.println(label);
            display = new ProgressDisplay(out, terminal ? ProgressDisplay.Mode.TERMINAL : ProgressDisplay.Mode.PLAIN,
                    nanoClock, label, tally);
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "hub-mirror-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(display::tick, display.period().toMillis(), display.period().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        CompletableFuture<MirrorOutcome> run = engine.mirror(new MirrorSpec(ref, include, exclude), tally)
                .subscribeAsCompletionStage();
        RunningCommands registry = running.get();
        registry.add(run);
        MirrorOutcome outcome = null;
        MirrorException failure = null;
        try {
            outcome = run.join();
        } catch (CancellationException e) {
            failure = new MirrorException(Reason.CANCELLED, label + ": cancelled (the process is stopping); run the "
                    + "same command again to finish: verified files are not fetched twice");
        } catch (CompletionException e) {
            failure = MirrorException.of(e.getCause() == null ? e : e.getCause());
        } finally {
            registry.remove(run);
            if (ticker != null) {
                ticker.shutdownNow();
            }
        }
        if (display != null) {
            display.finish();
        }
        Duration took = Duration.ofNanos(nanoClock.getAsLong() - start);
        MirrorTally.Counts counts = tally.counts();
        if (failure != null) {
            err.println("failed " + label + ": " + failure.reason() + (failure.retriable() ? " (retriable)" : "")
                    + ": " + failure.getMessage());
            return MirrorCommandResponse.Repo.failed(ref, counts.commit(), took, failure);
        }
        if (!json) {
            out.println("mirrored " + label + " at " + outcome.commit() + ": " + outcome.files() + " files, "
                    + Human.bytes(outcome.bytes()) + " (" + outcome.filesSkipped() + " already in the store, "
                    + Human.bytes(outcome.bytesDownloaded()) + " downloaded) in " + Human.duration(took));
            out.println("  snapshot: " + outcome.snapshotUrl());
        }
        return MirrorCommandResponse.Repo.succeeded(ref, outcome, took);
    }

    private String toJson(Object value) {
        try {
            return mapper.get().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON outcome: " + e.getMessage(), e);
        }
    }
}
