package dev.hubmirror.bootstrap;

import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.TARGET;
import static dev.hubmirror.log.LogKeys.TOKEN;

import dev.hubmirror.config.TransferConfig;
import dev.hubmirror.hub.HubClient;
import dev.hubmirror.job.SnapshotMirrors;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.transfer.SnapshotLimits;
import dev.hubmirror.transfer.SnapshotMirror;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * {@link SnapshotMirrors} over the default mirror and the configured targets ({@code mirror.targets.<name>.url}) and
 * tokens ({@code mirror.tokens.<name>}): one mirror per (target, token name) pair in use, built on first use, all
 * sharing the Hub client's connection pool and the global memory budget. The target stores are {@link TargetStores}'.
 */
final class TargetMirrors implements SnapshotMirrors {

    private static final Logger LOGGER = Logger.getLogger(TargetMirrors.class);

    private final SnapshotMirror defaultMirror;
    private final HubClient hub;
    private final TargetStores.Target defaultTarget;
    private final Map<String, TargetStores.Target> targets;
    private final Map<String, String> tokens;
    private final BufferPool budget;
    private final TransferConfig transfer;
    private final MeterRegistry registry;
    private final SnapshotLimits limits;
    private final Map<String, SnapshotMirror> built = new ConcurrentHashMap<>();

    TargetMirrors(SnapshotMirror defaultMirror, HubClient hub, TargetStores.Target defaultTarget, TargetStores targets,
            Map<String, String> tokens, BufferPool budget, TransferConfig transfer, SnapshotLimits limits,
            MeterRegistry registry) {
        this.defaultMirror = defaultMirror;
        this.hub = hub;
        this.defaultTarget = defaultTarget;
        this.targets = targets.byName();
        this.tokens = Map.copyOf(tokens);
        this.budget = budget;
        this.transfer = transfer;
        this.registry = registry;
        this.limits = limits;
    }

    @Override
    public SnapshotMirror mirror(String target, String tokenName) {
        check(target, tokenName);
        if (target == null && tokenName == null) {
            return defaultMirror;
        }
        return built.computeIfAbsent((target == null ? "" : target) + "\n" + (tokenName == null ? "" : tokenName),
                k -> build(target, tokenName));
    }

    private SnapshotMirror build(String target, String tokenName) {
        HubClient client = tokenName == null ? hub : hub.withToken(tokens.get(tokenName));
        TargetStores.Target t = target == null ? defaultTarget : targets.get(target);
        LOGGER.infof("mirror built" + TARGET + TOKEN + STORE, target == null ? "default" : target,
                tokenName == null ? "default" : tokenName, t.store().url(""));
        return ServiceProducers.mirror(client, t.store(), t.blobs(), budget, transfer, limits, registry);
    }

    @Override
    public Set<String> targets() {
        return targets.keySet();
    }

    @Override
    public Set<String> tokens() {
        return tokens.keySet();
    }
}
