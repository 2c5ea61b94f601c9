package dev.hubmirror.api.rest;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.BundleManifest;
import dev.hubmirror.job.JobDesk;
import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.store.ObjectStore;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /v1/bundles/{name}}: a bundle's bill of materials. While a job of its latest request is not final, the
 * live view of its jobs; once all are, the manifest written to the store ({@code bundles/<name>.json}), which stays
 * after the jobs are forgotten.
 */
@Path("/v1/bundles")
@Tag(name = "bundles")
@Produces(MediaType.APPLICATION_JSON)
public class BundlesResource {

    /** Largest manifest read back from the store (a request holds at most max-repos-per-request entries). */
    static final int MAX_MANIFEST = 16 << 20;

    private final JobDesk jobs;
    private final ObjectStore store;

    public BundlesResource(JobDesk jobs, ObjectStore store) {
        this.jobs = jobs;
        this.store = store;
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "A bundle's bill of materials",
            description = "Every snapshot URL with its commit, every image and chart with its digest in the target "
                    + "registry, and how each job ended; status RUNNING until every job is final. The same manifest "
                    + "is in the store at bundles/<name>.json.")
    @APIResponse(responseCode = "200", description = "The bundle",
            content = @Content(schema = @Schema(implementation = BundleResponse.class)))
    @APIResponse(responseCode = "400", description = "Not a valid bundle name (INVALID_REQUEST)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "404", description = "No such bundle (BUNDLE_NOT_FOUND)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    public Uni<BundleResponse> get(@PathParam("name") String name) {
        if (!BundleManifest.validName(name)) {
            throw new MirrorException(Reason.INVALID_REQUEST, "bundle name '" + ExceptionMappers.printable(name)
                    + "' is not valid: letters, digits, '.', '_' and '-', at most 128 characters");
        }
        List<JobSnapshot> live = jobs.bundle(name);
        String key = BundleManifest.key(name);
        String url = store.url(key);
        if (!live.isEmpty()) {
            BundleManifest now = BundleManifest.of(name, live);
            if (!now.done()) {
                return Uni.createFrom().item(BundleResponse.of(now, null));
            }
        }
        return stored(key).map(found -> {
            if (found.isPresent() && (live.isEmpty()
                    || java.util.Objects.equals(found.get().requestId(), live.get(0).origin().requestId()))) {
                return BundleResponse.of(found.get(), url);
            }
            if (!live.isEmpty()) {
                // every job is final, the manifest is being written
                return BundleResponse.of(BundleManifest.of(name, live), null);
            }
            throw new MirrorException(Reason.BUNDLE_NOT_FOUND, "no bundle '" + name + "': no request named it, or "
                    + "its jobs were forgotten and " + url + " does not exist");
        });
    }

    /** The manifest in the store, if there is one. */
    Uni<Optional<BundleManifest>> stored(String key) {
        return store.stat(key).chain(stat -> {
            if (stat.isEmpty()) {
                return Uni.createFrom().item(Optional.<BundleManifest>empty());
            }
            if (stat.get().size() > MAX_MANIFEST) {
                return Uni.createFrom().failure(new MirrorException(Reason.STORE_ERROR, store.url(key) + " is larger "
                        + "than " + MAX_MANIFEST + " bytes: not a bundle manifest of this service"));
            }
            return store.read(key).collect().in(ByteArrayOutputStream::new, (out, b) -> {
                ByteBuffer copy = b.duplicate();
                byte[] bytes = new byte[copy.remaining()];
                copy.get(bytes);
                out.writeBytes(bytes);
            }).map(out -> {
                try {
                    return Optional.of(BundleManifest.parse(out.toByteArray()));
                } catch (IllegalArgumentException e) {
                    throw new MirrorException(Reason.STORE_ERROR, store.url(key) + " is not a bundle manifest: "
                            + e.getMessage());
                }
            });
        });
    }
}
