package dev.hubmirror.registry;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.log.LogKeys;
import dev.hubmirror.registry.RegistryObserver.BlobOutcome;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * One image (or OCI chart, or any OCI artifact) from a source registry into the target, in the order that keeps the
 * target consistent at every moment:
 * <ol>
 * <li>the top manifest, byte for byte (its digest checked), and, for an index, every child manifest it selects (all
 * by default; those of the requested platforms with a filter), each by digest, checked;</li>
 * <li>every distinct blob of those manifests ({@link BlobCopy}), {@code blobs-in-flight} at once; all of them are
 * tried even after one failed (what was copied stays, a re-run skips it), then the first failure fails the image;</li>
 * <li>the child manifests, by digest;</li>
 * <li>last, the top manifest under the tag (by digest when the request named only a digest): the tag appears only
 * when everything it refers to is in place, so a client never pulls a tag that points at missing blobs.</li>
 * </ol>
 * A platform filter on an index writes a smaller index (the selected entries, every other field kept): its digest
 * differs from the source's, and the result says so.
 */
final class ImageCopy {

    private static final Logger LOGGER = Logger.getLogger(ImageCopy.class);
    /** Levels of nested indexes followed (an index of indexes is rare; deeper nesting is refused). */
    private static final int MAX_DEPTH = 3;

    private final RegistryMirror engine;
    private final RegistryClient client;
    private final ImageReference source;
    private final ImageReference target;
    private final List<Platform> platforms;
    private final boolean chart;
    private final CopyProgress progress;

    /** A manifest to write to the target by digest (a child), in the order they must be written. */
    private final List<Manifest> children = new ArrayList<>();

    ImageCopy(RegistryMirror engine, ImageReference source, ImageReference target, List<Platform> platforms,
            boolean chart, CopyProgress progress) {
        this.engine = engine;
        this.client = engine.client();
        this.source = source;
        this.target = target;
        this.platforms = List.copyOf(platforms);
        this.chart = chart;
        this.progress = progress;
    }

    Uni<ImageCopyResult> run() {
        return client.manifest(source.registry(), source.repository(), source.reference(), chart).chain(top -> {
            if (source.digest() != null && !top.digest().equals(source.digest())) {
                return Uni.createFrom().failure(new MirrorException(Reason.CHECKSUM_MISMATCH, "manifest of " + source
                        + " has the digest " + top.digest()));
            }
            Manifest pushed;
            try {
                pushed = top.isIndex() && !platforms.isEmpty() ? top.filtered(platforms, "manifest " + source) : top;
            } catch (MirrorException e) {
                return Uni.createFrom().failure(e);
            }
            return expand(pushed, 1).chain(images -> copyBlobs(images)
                    .chain(counts -> writeManifests(pushed).replaceWith(result(top, pushed, counts))));
        });
    }

    /** The image manifests under {@code m} (itself when it is one); children are fetched by digest. */
    private Uni<List<Manifest>> expand(Manifest m, int depth) {
        if (!m.isIndex()) {
            return Uni.createFrom().item(List.of(m));
        }
        if (depth > MAX_DEPTH) {
            return Uni.createFrom().failure(new MirrorException(Reason.MANIFEST_INVALID, "manifest of " + source
                    + " nests indexes more than " + MAX_DEPTH + " levels deep; nothing was tagged"));
        }
        return Multi.createFrom().iterable(m.children())
                .onItem().transformToUni(d -> client.manifest(source.registry(), source.repository(),
                        d.digest().value(), chart))
                .merge(engine.settings().blobsInFlight())
                .collect().asList()
                .chain(fetched -> {
                    // keep the index's order whatever order the fetches ended in
                    Map<Digest, Manifest> byDigest = new LinkedHashMap<>();
                    fetched.forEach(f -> byDigest.put(f.digest(), f));
                    List<Uni<List<Manifest>>> deeper = new ArrayList<>();
                    for (Descriptor d : m.children()) {
                        Manifest child = byDigest.get(d.digest());
                        if (!child.mediaType().equals(d.mediaType())) {
                            return Uni.createFrom().failure(new MirrorException(Reason.MANIFEST_INVALID, "manifest "
                                    + d.digest() + " of " + source + " is a " + child.mediaType() + ", its index "
                                    + "says " + d.mediaType() + "; nothing was tagged"));
                        }
                        deeper.add(expand(child, depth + 1));
                    }
                    return Multi.createFrom().iterable(deeper).onItem().transformToUniAndConcatenate(u -> u)
                            .collect().asList().map(lists -> {
                                List<Manifest> images = new ArrayList<>();
                                lists.forEach(images::addAll);
                                for (Descriptor d : m.children()) {
                                    Manifest child = byDigest.get(d.digest());
                                    synchronized (children) {
                                        if (children.stream().noneMatch(c -> c.digest().equals(child.digest()))) {
                                            children.add(child);
                                        }
                                    }
                                }
                                return images;
                            });
                });
    }

    /** Blob outcomes: counts and bytes. */
    private record Counts(int copied, int mounted, int skipped, long bytesCopied, long bytesTotal) {
    }

    private Uni<Counts> copyBlobs(List<Manifest> images) {
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        for (Manifest image : images) {
            for (Descriptor d : image.blobs()) {
                if (!MediaTypes.isForeign(d.mediaType())) {
                    blobs.putIfAbsent(d.digest(), d);
                }
            }
        }
        long total = blobs.values().stream().mapToLong(Descriptor::size).sum();
        progress.planned(blobs.size(), total);
        record Done(Descriptor blob, BlobOutcome outcome, Throwable failure) {
        }
        return Multi.createFrom().iterable(blobs.values())
                .onItem().transformToUni(d -> new BlobCopy(engine, source, target, d, chart, progress).run()
                        .map(o -> new Done(d, o, null))
                        .onFailure().recoverWithItem(e -> new Done(d, null, e)))
                .merge(engine.settings().blobsInFlight())
                .collect().asList()
                .map(done -> {
                    for (Done d : done) {
                        if (d.failure() != null) {
                            MirrorException e = MirrorException.of(d.failure());
                            LOGGER.warnf("image failed" + LogKeys.IMAGE + LogKeys.DIGEST + LogKeys.REASON + LogKeys.ERROR, source,
                                    d.blob().digest(), e.reason(), e.getMessage());
                            throw e;
                        }
                    }
                    int copied = 0;
                    int mounted = 0;
                    int skipped = 0;
                    long bytes = 0;
                    for (Done d : done) {
                        switch (d.outcome()) {
                            case COPIED -> {
                                copied++;
                                bytes += d.blob().size();
                            }
                            case MOUNTED -> mounted++;
                            default -> skipped++;
                        }
                    }
                    return new Counts(copied, mounted, skipped, bytes, total);
                });
    }

    /** Child manifests by digest (deepest first), then the top one under its tag: the tag is written last. */
    private Uni<Void> writeManifests(Manifest top) {
        List<Manifest> order;
        synchronized (children) {
            order = new ArrayList<>(children);
        }
        // images before the indexes that list them
        order.sort((a, b) -> Boolean.compare(a.isIndex(), b.isIndex()));
        Uni<Void> chain = Multi.createFrom().iterable(order).onItem().transformToUni(m -> client.putManifest(
                target.registry(), target.repository(), m.digest().value(), m))
                .merge(engine.settings().blobsInFlight()).collect().last().replaceWithVoid();
        String reference = target.tag() != null ? target.tag() : top.digest().value();
        return chain.chain(() -> client.putManifest(target.registry(), target.repository(), reference, top))
                .invoke(() -> LOGGER.infof("image copied" + LogKeys.SOURCE + LogKeys.IMAGE + LogKeys.DIGEST, source, target,
                        top.digest()));
    }

    private ImageCopyResult result(Manifest top, Manifest pushed, Counts counts) {
        List<Platform> copied = pushed.children().stream().map(Descriptor::platform)
                .filter(p -> p != null).toList();
        ImageReference written = target.tag() != null ? target.withDigest(null) : target.byDigest(pushed.digest());
        int manifests;
        synchronized (children) {
            manifests = children.size() + 1;
        }
        return new ImageCopyResult(source, written, top.digest(), pushed.digest(), pushed.mediaType(), copied,
                pushed != top, manifests, counts.copied(), counts.mounted(), counts.skipped(), counts.bytesCopied(),
                counts.bytesTotal());
    }
}
