package dev.hubmirror.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency direction of docs/architecture.md: api -> job -> transfer -> {hub, store}; adapters own their SDK;
 * metrics implements the engine's observer ports and only bootstrap wires it in.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        // the compiled main classes only: scanning the whole classpath for the package takes half a minute
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPath(Path.of("target", "classes"));
    }

    @Test
    void transferKnowsNoApiJobOrSdk() {
        noClasses().that().resideInAPackage("dev.hubmirror.transfer..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hubmirror.api..", "dev.hubmirror.job..",
                        "software.amazon..", "com.google.cloud..", "org.apache.kafka..", "jakarta.ws.rs..",
                        "dev.hubmirror.metrics..", "io.micrometer..")
                .check(classes);
    }

    @Test
    void hubAndStorePortsDoNotDependOnUpperLayers() {
        noClasses().that().resideInAnyPackage("dev.hubmirror.hub..", "dev.hubmirror.store..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hubmirror.api..", "dev.hubmirror.job..",
                        "dev.hubmirror.transfer..", "dev.hubmirror.metrics..", "io.micrometer..")
                .check(classes);
    }

    @Test
    void onlyMetricsAndBootstrapKnowMicrometer() {
        noClasses().that().resideOutsideOfPackages("dev.hubmirror.metrics..", "dev.hubmirror.bootstrap..")
                .should().dependOnClassesThat().resideInAPackage("io.micrometer..")
                .check(classes);
    }

    @Test
    void onlyBootstrapWiresTheMetricsIntoTheEngine() {
        // the engine reports through its observer ports; metrics implements them and bootstrap plugs them in
        noClasses().that().resideOutsideOfPackages("dev.hubmirror.metrics..", "dev.hubmirror.bootstrap..")
                .should().dependOnClassesThat().resideInAPackage("dev.hubmirror.metrics..")
                .check(classes);
    }

    @Test
    void theHttpClientIsGenericAndKnowsNoOtherPackageOfTheService() {
        // the Hub client and the registry client use it
        noClasses().that().resideInAPackage("dev.hubmirror.http..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hubmirror.hub..", "dev.hubmirror.config..",
                        "dev.hubmirror.registry..", "dev.hubmirror.transfer..", "dev.hubmirror.store..",
                        "dev.hubmirror.job..",
                        "dev.hubmirror.api..", "dev.hubmirror.metrics..", "dev.hubmirror.memory..")
                .check(classes);
    }

    @Test
    void theRegistryEngineStandsOnHttpMemoryAndFailureOnly() {
        // images and charts: the same streaming HTTP client and memory budget as the Hub, no upper layer, no SDK
        noClasses().that().resideInAPackage("dev.hubmirror.registry..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hubmirror.api..", "dev.hubmirror.job..",
                        "dev.hubmirror.transfer..", "dev.hubmirror.hub..", "dev.hubmirror.store..",
                        "dev.hubmirror.metrics..", "dev.hubmirror.config..", "io.micrometer..", "software.amazon..",
                        "com.google.cloud..")
                .check(classes);
    }

    @Test
    void jobDoesNotDependOnApi() {
        noClasses().that().resideInAPackage("dev.hubmirror.job..")
                .should().dependOnClassesThat().resideInAPackage("dev.hubmirror.api..")
                .check(classes);
    }

    @Test
    void onlyTheS3AdapterImportsTheAwsSdk() {
        noClasses().that().resideOutsideOfPackage("dev.hubmirror.store.s3..")
                .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..")
                .check(classes);
    }

    @Test
    void onlyTheGcsAdapterImportsTheGcsClient() {
        noClasses().that().resideOutsideOfPackage("dev.hubmirror.store.gcs..")
                .should().dependOnClassesThat().resideInAPackage("com.google.cloud..")
                .check(classes);
    }

    @Test
    void onlyTheKafkaApiImportsKafkaAndReactiveMessaging() {
        noClasses().that().resideOutsideOfPackage("dev.hubmirror.api.kafka..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..",
                        "io.smallrye.reactive.messaging..", "org.eclipse.microprofile.reactive.messaging..")
                .check(classes);
    }

    @Test
    void theBufferPoolKnowsNothingOfTheService() {
        // memory is the bottom layer: hub fills its buffers, transfer owns them, stores only see their bytes
        noClasses().that().resideInAPackage("dev.hubmirror.memory..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hubmirror.api..", "dev.hubmirror.job..",
                        "dev.hubmirror.transfer..", "dev.hubmirror.hub..", "dev.hubmirror.store..",
                        "dev.hubmirror.metrics..", "io.vertx..", "io.netty..")
                .check(classes);
    }

    @Test
    void storesNeverSeeThePool() {
        noClasses().that().resideInAPackage("dev.hubmirror.store..")
                .should().dependOnClassesThat().resideInAPackage("dev.hubmirror.memory..")
                .check(classes);
    }

    @Test
    void storePortKnowsNoAdapter() {
        noClasses().that().resideInAPackage("dev.hubmirror.store")
                .should().dependOnClassesThat().resideInAnyPackage("dev.hubmirror.store.s3..", "dev.hubmirror.store.fs..",
                        "dev.hubmirror.store.gcs..")
                .check(classes);
    }
}
