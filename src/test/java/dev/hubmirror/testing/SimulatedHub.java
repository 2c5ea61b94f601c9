package dev.hubmirror.testing;

import dev.hubmirror.sim.HubSimulator;
import java.nio.file.Path;

/**
 * What a Quarkus test running against {@link HubSimulatorResource} gets injected: the simulator (to add repos and
 * faults) and the root of the directory store the service writes to.
 */
public record SimulatedHub(HubSimulator sim, Path storeRoot) {
}
