package dev.hubmirror.api.cli;

import io.quarkus.runtime.Quarkus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code hub-mirror serve}: the service, until it is stopped (SIGTERM, SIGINT); what no command means. */
@Command(name = "serve", description = {
    "Runs the service: REST API (8080), health and metrics (9000), Kafka when configured. The default command."},
        mixinStandardHelpOptions = false)
public class ServeCommand implements Callable<Integer> {

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        return serve();
    }

    /** Waits until Quarkus is asked to stop. */
    static int serve() {
        Quarkus.waitForExit();
        return ExitCodes.OK;
    }
}
