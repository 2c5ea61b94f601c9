package dev.hubmirror.api.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import picocli.CommandLine;

/**
 * Decides, before Quarkus boots, what the command line asks for: help, a usage error (both end the process without
 * booting), the service (boot as configured), or a one-off command that boots without what it does not use.
 */
final class BootSettings {

    /** The outcome: an exit code to end with at once, or the system properties to boot with. */
    record Decision(OptionalInt exitCode, Map<String, String> properties) {
    }

    private BootSettings() {
    }

    /** Parses {@code args} with the real command classes (nothing injected yet) and decides. */
    static Decision decide(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = HubMirrorCommand.commandLine(CommandLine.defaultFactory(), out, err);
        CommandLine.ParseResult parsed;
        try {
            parsed = commandLine.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            return exit(usageError(commandLine, e, args));
        }
        Integer help = CommandLine.executeHelpRequest(parsed);
        if (help != null) {
            return exit(help);
        }
        CommandLine.ParseResult sub = parsed.subcommand();
        if (sub != null && sub.commandSpec().userObject() instanceof CommandLine.HelpCommand) {
            return exit(commandLine.execute(args));
        }
        if (sub != null && sub.commandSpec().userObject() instanceof ToolCommand tool) {
            try {
                tool.validate();
            } catch (CommandLine.ParameterException e) {
                return exit(usageError(commandLine, e, args));
            }
            return new Decision(OptionalInt.empty(), tool.bootProperties());
        }
        return new Decision(OptionalInt.empty(), Map.of());
    }

    /**
     * The run-time keys of a one-off command: no HTTP or management listener (so no API key file either), no Kafka
     * channel or client, no OIDC, logs on standard error at WARN (INFO with {@code verbose}) and no banner, so that
     * standard output carries only the command's own output; and the store URL when the command names one. Every key
     * is a run-time key; system properties outrank the environment, so a pod's {@code KAFKA_BOOTSTRAP_SERVERS} or
     * {@code MIRROR_KAFKA_ENABLED} does not start Kafka clients in a {@code kubectl exec ... verify}.
     */
    static Map<String, String> tool(boolean verbose, Optional<String> storeUrl) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("quarkus.http.host-enabled", "false");
        p.put("quarkus.management.host-enabled", "false");
        p.put("mirror.kafka.enabled", "false");
        p.put("quarkus.oidc.tenant-enabled", "false");
        p.put("quarkus.log.console.stderr", "true");
        p.put("quarkus.banner.enabled", "false");
        String level = verbose ? "INFO" : "WARN";
        p.put("quarkus.log.level", level);
        p.put("quarkus.log.category.\"dev.hubmirror\".level", level);
        storeUrl.ifPresent(url -> p.put("mirror.store.url", url));
        return p;
    }

    private static int usageError(CommandLine commandLine, CommandLine.ParameterException e, String[] args) {
        try {
            return commandLine.getParameterExceptionHandler().handleParseException(e, args);
        } catch (Exception handlerFailed) {
            commandLine.getErr().println("error: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }

    private static Decision exit(int code) {
        return new Decision(OptionalInt.of(code), Map.of());
    }
}
