package dev.hubmirror.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;
import java.util.Map;
import java.util.Optional;

/**
 * Named stores a request may choose by name ({@code target}), besides the default store of {@link StoreConfig}:
 * {@code mirror.targets.<name>.url}. A request never carries a URL, only one of these names.
 */
@ConfigMapping(prefix = "mirror.targets")
public interface TargetConfig {

    /** The named targets. */
    @WithParentName
    Map<String, Target> targets();

    /** One named store; S3 client settings are those of {@code mirror.store.s3}. */
    interface Target {

        /** The store URL, as {@link StoreConfig#url()}. */
        String url();

        /** Also write {@code blobs/<etag>} copies; default: {@code mirror.store.blobs}. */
        Optional<Boolean> blobs();
    }
}
