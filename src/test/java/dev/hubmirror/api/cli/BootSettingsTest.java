package dev.hubmirror.api.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class BootSettingsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private BootSettings.Decision decide(String... args) {
        return BootSettings.decide(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void noCommandAndServeBootTheServiceAsConfigured() {
        // When
        BootSettings.Decision none = decide();
        BootSettings.Decision serve = decide("serve");

        // Then
        assertThat(none.exitCode()).isEmpty();
        assertThat(none.properties()).isEmpty();
        assertThat(serve.exitCode()).isEmpty();
        assertThat(serve.properties()).isEmpty();
    }

    @Test
    void mirrorBootsWithoutListenersKafkaOrOidcWithLogsOnStandardErrorAndTheStoreOfTo() {
        // When
        BootSettings.Decision d = decide("mirror", "--to", "s3://bucket/weights", "org/name@v1");

        // Then
        assertThat(d.exitCode()).isEmpty();
        assertThat(d.properties()).containsEntry("quarkus.http.host-enabled", "false")
                .containsEntry("quarkus.management.host-enabled", "false")
                .containsEntry("mirror.kafka.enabled", "false")
                .containsEntry("quarkus.oidc.tenant-enabled", "false")
                .containsEntry("quarkus.log.console.stderr", "true")
                .containsEntry("quarkus.log.level", "WARN")
                .containsEntry("mirror.store.url", "s3://bucket/weights");
    }

    @Test
    void verifyWithoutStoreKeepsTheConfiguredStoreAndVerboseLogsAtInfo() {
        // When
        BootSettings.Decision d = decide("verify", "-v", "org/name");

        // Then
        assertThat(d.properties()).doesNotContainKey("mirror.store.url")
                .containsEntry("quarkus.log.level", "INFO")
                .containsEntry("quarkus.log.category.\"dev.hubmirror\".level", "INFO");
    }

    @Test
    void helpEndsBeforeBootWithExitCode0() {
        // When
        BootSettings.Decision top = decide("--help");
        BootSettings.Decision sub = decide("help", "mirror");

        // Then
        assertThat(top.exitCode()).hasValue(0);
        assertThat(sub.exitCode()).hasValue(0);
        assertThat(out.toString()).contains("Usage: hub-mirror [-h] [COMMAND]", "Usage: hub-mirror mirror");
    }

    @Test
    void invalidArgumentsEndBeforeBootWithExitCode2AndSayWhatIsWrong() {
        assertThat(decide("mirror").exitCode()).hasValue(2);
        assertThat(decide("mirror", "--type", "checkpoint", "org/name").exitCode()).hasValue(2);
        assertThat(decide("mirror", "org/name@").exitCode()).hasValue(2);
        assertThat(decide("verify", "--store", "ftp://x/y", "org/name").exitCode()).hasValue(2);
        assertThat(decide("mirror", "org/name@bad..rev").exitCode()).hasValue(2);
        assertThat(err.toString()).contains("Missing required parameter: 'REPO[@REV]'", "unknown repo type 'checkpoint'",
                "names no revision after '@'", "--store: store url 'ftp://x/y' has unsupported scheme 'ftp'",
                "revision 'bad..rev' is invalid", "Run 'hub-mirror mirror --help' for the options.");
    }

    @Test
    void aRepoArgumentCarriesItsRevisionAfterTheFirstAt() {
        // When
        RepoRef plain = RepoArguments.parse("BAAI/bge-m3", RepoType.MODEL);
        RepoRef pr = RepoArguments.parse("org/data@refs/pr/1", RepoType.DATASET);
        RepoRef sha = RepoArguments.parse("org/name@" + "a".repeat(40), RepoType.MODEL);

        // Then
        assertThat(plain.revision()).isEqualTo("main");
        assertThat(pr.revision()).isEqualTo("refs/pr/1");
        assertThat(pr.type()).isEqualTo(RepoType.DATASET);
        assertThat(sha.revision()).isEqualTo("a".repeat(40));
        assertThatThrownBy(() -> RepoArguments.parse("org/name@a@b", RepoType.MODEL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("revision 'a@b' is invalid");
    }

    @Test
    void theWorseExitCodeWinsAFailureOverRetriableOverIncompleteOverUnverified() {
        assertThat(ExitCodes.worse(ExitCodes.OK, ExitCodes.UNVERIFIED)).isEqualTo(ExitCodes.UNVERIFIED);
        assertThat(ExitCodes.worse(ExitCodes.INCOMPLETE, ExitCodes.UNVERIFIED)).isEqualTo(ExitCodes.INCOMPLETE);
        assertThat(ExitCodes.worse(ExitCodes.INCOMPLETE, ExitCodes.RETRIABLE)).isEqualTo(ExitCodes.RETRIABLE);
        assertThat(ExitCodes.worse(ExitCodes.NOT_MIRRORED, ExitCodes.INCOMPLETE)).isEqualTo(ExitCodes.NOT_MIRRORED);
        assertThat(ExitCodes.worse(ExitCodes.FAILED, ExitCodes.RETRIABLE)).isEqualTo(ExitCodes.FAILED);
        assertThat(ExitCodes.forFailure(true)).isEqualTo(75);
    }
}
