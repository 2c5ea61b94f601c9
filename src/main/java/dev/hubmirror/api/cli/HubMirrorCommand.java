package dev.hubmirror.api.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hub-mirror}: the service by default, or one of its subcommands. */
@Command(name = "hub-mirror", mixinStandardHelpOptions = false,
        subcommands = {ServeCommand.class, MirrorCommand.class, VerifyCommand.class, CommandLine.HelpCommand.class},
        description = "Mirrors HuggingFace Hub repos into an object store (S3, MinIO, Ceph, GCS, a directory) in the "
                + "exact HuggingFace cache layout, verified. Without a command it runs the service (serve).",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            " 0:Done.", " 1:Failed (the message says why and what to do).", " 2:Invalid arguments.",
            " 3:verify: INCOMPLETE.", " 4:verify: UNVERIFIED (run --deep).", "75:Retriable failure: run again."},
        footer = "%nConfiguration: the service's own environment (HF_ENDPOINT, HF_TOKEN, MIRROR_STORE_URL, AWS_*, "
                + "MIRROR_*), see docs/configuration.md; the commands: docs/cli.md.")
public class HubMirrorCommand implements Callable<Integer> {

    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        return ServeCommand.serve();
    }

    /** The command line over {@code factory}, writing to {@code out} and {@code err}. */
    static CommandLine commandLine(CommandLine.IFactory factory, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(HubMirrorCommand.class, factory);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("error: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, cmd.getErr());
            cmd.getErr().println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
            return ExitCodes.USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + Failures.describe(e));
            return ExitCodes.FAILED;
        });
        return commandLine;
    }
}
