package dev.hubmirror.api.rest;

import dev.hubmirror.job.ScriptedSnapshotMirror;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;
import java.util.Set;

/**
 * REST tests run against the {@link ScriptedSnapshotMirror} with one job slot, a queue of two and at most four repos
 * per request, so that queueing, refusal and limits are reachable with small requests.
 */
public class ScriptedMirrorProfile implements QuarkusTestProfile {

    static final int QUEUE_CAPACITY = 2;
    static final int MAX_REPOS = 4;

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(ScriptedSnapshotMirror.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "mirror.jobs.concurrency", "1",
                "mirror.jobs.queue-capacity", String.valueOf(QUEUE_CAPACITY),
                "mirror.jobs.max-repos-per-request", String.valueOf(MAX_REPOS));
    }
}
