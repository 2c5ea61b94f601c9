package dev.hubmirror.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;

/**
 * The service as deployed, against the Hub simulator and a directory store ({@link HubSimulatorResource}): the real
 * Hub client, transfer engine, job service, metrics and health checks.
 */
public class SimulatedHubProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(HubSimulatorResource.class));
    }
}
