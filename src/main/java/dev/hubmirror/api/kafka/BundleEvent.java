package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hubmirror.job.BundleManifest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The one event of a bundle whose every job is final, on the events topic (key {@code bundle:<name>}, header
 * {@code hub-mirror-event}: {@code bundle.succeeded} or {@code bundle.failed}). It carries the bill of materials;
 * the same manifest is in the store ({@code manifestUrl}) and at {@code GET /v1/bundles/{name}}.
 *
 * @param eventId     the same for every delivery of this bundle's end (a reader may drop repeats by it)
 * @param event       {@code bundle.succeeded} (every job succeeded) or {@code bundle.failed}
 * @param bundle      the bundle's name
 * @param requestId   the request that named it
 * @param requester   who asked
 * @param jobs        its jobs
 * @param succeeded   of those, succeeded
 * @param manifestUrl the manifest in the store
 * @param items       every job: snapshot URLs with commits, images and charts with digests, failures with reasons
 * @param time        when the last job ended
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BundleEvent(String eventId, String event, String bundle, String requestId, String requester, int jobs,
        int succeeded, String manifestUrl, List<BundleManifest.Item> items, Instant time) {

    static BundleEvent of(BundleManifest manifest, String manifestUrl) {
        String name = manifest.status().equals("SUCCEEDED") ? "bundle.succeeded" : "bundle.failed";
        String eventId = UUID.nameUUIDFromBytes(("bundle/" + manifest.bundle() + "/" + manifest.requestId() + "/"
                + name).getBytes(StandardCharsets.UTF_8)).toString();
        int ok = (int) manifest.items().stream().filter(i -> i.status().equals("SUCCEEDED")).count();
        return new BundleEvent(eventId, name, manifest.bundle(), manifest.requestId(), manifest.requester(),
                manifest.items().size(), ok, manifestUrl, manifest.items(), manifest.finishedAt());
    }

    /** The record key. */
    static String key(BundleManifest manifest) {
        return "bundle:" + manifest.bundle();
    }
}
