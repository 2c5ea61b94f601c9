package dev.hubmirror.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link HubSimulator} standalone until killed, for demos and load tests:
 * {@code --port P --cdn-port P --spec file.json --link-rate 60MiB --latency 40ms} (ports default to 0,
 * ephemeral; no link cap and no latency by default; the flags win over the spec's {@code network}). Prints the
 * URLs and the repos on standard output.
 */
public final class HubSimulatorMain {

    private HubSimulatorMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int port = 0;
        int cdnPort = 0;
        Path spec = null;
        String linkRate = null;
        String latency = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw usage("option " + a + " needs a value");
            }
            switch (a) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--cdn-port" -> cdnPort = Integer.parseInt(args[++i]);
                case "--spec" -> spec = Path.of(args[++i]);
                case "--link-rate" -> linkRate = args[++i];
                case "--latency" -> latency = args[++i];
                default -> throw usage("unknown option " + a);
            }
        }
        HubSimulator sim = HubSimulator.start(port, cdnPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sim.close();
            stopped.countDown();
        }, "hub-simulator-shutdown"));
        try {
            if (spec != null) {
                sim.load(spec);
            }
            if (linkRate != null || latency != null) {
                SimNetwork n = sim.network();
                sim.network(linkRate == null ? n.bytesPerSecond() : SimNetwork.parseRate(linkRate),
                        latency == null ? Duration.ofMillis(n.latencyMillis()) : SimNetwork.parseLatency(latency));
            }
        } catch (IOException | RuntimeException e) {
            sim.close();
            throw e;
        }
        // this is a command-line program: its output is the contract
        PrintStream out = System.out;
        out.println("hub-simulator hub=" + sim.hubUrl() + " cdn=" + sim.cdnUrl());
        out.println("  network link-rate=" + sim.network().bytesPerSecond() + "B/s latency="
                + sim.network().latencyMillis() + "ms (0: off)");
        for (SimRepo r : sim.repos()) {
            out.println("  " + r.type().singular() + " " + r.id() + " commits=" + r.commits().size()
                    + (r.isGated() ? " gated" : "") + (r.isPrivate() ? " private" : ""));
        }
        out.println("faults: POST " + sim.hubUrl() + "/_sim/faults, DELETE to clear; stop with Ctrl-C");
        out.flush();
        stopped.await();
    }

    private static IllegalArgumentException usage(String problem) {
        return new IllegalArgumentException(problem
                + ": usage: HubSimulatorMain [--port P] [--cdn-port P] [--spec file.json] [--link-rate 60MiB]"
                + " [--latency 40ms]");
    }
}
