package dev.hubmirror.registry;

/**
 * What a request is for, to name it in messages and logs: {@code "blob sha256:ab12... of ghcr.io/org/name"}.
 *
 * @param what       the operation and its object ({@code "manifest v0.3.1"}, {@code "blob sha256:..."},
 *                   {@code "upload of sha256:..."})
 * @param registry   the registry host
 * @param repository the repository
 * @param chart      whether the image is a Helm chart (a missing one is {@code CHART_NOT_FOUND})
 */
public record RegistryCall(String what, String registry, String repository, boolean chart) {

    /** {@code what of registry/repository}. */
    public String describe() {
        return what + " of " + registry + "/" + repository;
    }

    @Override
    public String toString() {
        return describe();
    }
}
