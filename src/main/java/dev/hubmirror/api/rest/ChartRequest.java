package dev.hubmirror.api.rest;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A Helm chart to mirror: an OCI chart as a string ({@code "oci://ghcr.io/superlinked/charts/sie-cluster:0.3.1"}), or
 * a chart of a classic Helm repository as an object ({@code {"repository": "https://kedacore.github.io/charts",
 * "name": "keda", "version": "2.14.2"}}), pushed to the target as an OCI chart.
 *
 * @param oci        the OCI reference, {@code oci://registry/path/name:version}
 * @param repository a classic repository's URL (where its index.yaml is)
 * @param name       the chart's name in that repository
 * @param version    the chart's version
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "An OCI chart reference (a string, oci://registry/path/name:version) or a classic Helm "
        + "repository's chart (repository, name, version)")
public record ChartRequest(
        @Schema(description = "oci://registry/path/name:version") String oci,
        @Schema(description = "A classic Helm repository's URL, https://repo.example/charts") String repository,
        @Schema(description = "The chart's name in that repository") String name,
        @Schema(description = "The chart's version") String version) {

    /** An object: a classic repository's chart (or {@code {"oci": ...}}). */
    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public ChartRequest(@JsonProperty("oci") String oci, @JsonProperty("repository") String repository,
            @JsonProperty("name") String name, @JsonProperty("version") String version) {
        this.oci = oci;
        this.repository = repository;
        this.name = name;
        this.version = version;
    }

    /** A string: an OCI chart. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ChartRequest of(String oci) {
        return new ChartRequest(oci, null, null, null);
    }

    /** A classic repository's chart. */
    public static ChartRequest classic(String repository, String name, String version) {
        return new ChartRequest(null, repository, name, version);
    }
}
