package dev.hubmirror.api.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;
import java.util.Map;
import picocli.CommandLine;

/**
 * The entry point of the artifact ({@code java -jar quarkus-run.jar [serve|mirror|verify] ...}).
 *
 * <p>Picocli parses the command line only once Quarkus has started (this {@link QuarkusApplication} runs then), but
 * what starts with Quarkus is decided by run-time configuration read at boot: the HTTP and management listeners,
 * the Kafka channels, OIDC, where the logs go and which store the beans are built for. So {@link #main} parses the
 * arguments first with the same command classes ({@link BootSettings}); help, version and usage errors end there,
 * without booting; {@code mirror} and {@code verify} set their run-time keys as system properties, which outrank the
 * environment and application.properties. Build-time keys cannot differ per command: the artifact is built once.
 */
@QuarkusMain
public class HubMirrorMain implements QuarkusApplication {

    private final CommandLine.IFactory factory;

    @Inject
    public HubMirrorMain(CommandLine.IFactory factory) {
        this.factory = factory;
    }

    /** Parses, configures the boot for the chosen command, then starts Quarkus (which calls {@link #run}). */
    public static void main(String... args) {
        BootSettings.Decision decision = BootSettings.decide(args, Terminal.stdout(), Terminal.stderr());
        if (decision.exitCode().isPresent()) {
            Terminal.stdout().flush();
            Terminal.stderr().flush();
            System.exit(decision.exitCode().getAsInt());
        }
        for (Map.Entry<String, String> property : decision.properties().entrySet()) {
            System.setProperty(property.getKey(), property.getValue());
        }
        Quarkus.run(HubMirrorMain.class, args);
    }

    @Override
    public int run(String... args) {
        return HubMirrorCommand.commandLine(factory, Terminal.stdout(), Terminal.stderr()).execute(args);
    }
}
