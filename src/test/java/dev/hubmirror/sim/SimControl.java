package dev.hubmirror.sim;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.Json;

/**
 * The control endpoint on the Hub port, for standalone simulators: {@code POST /_sim/faults} with a fault (or an
 * array of faults) as JSON adds them, {@code DELETE /_sim/faults} clears all. Answers 204, or 400 with a text
 * message. Control requests are not in {@link HubSimulator#requests()}.
 */
final class SimControl {

    private SimControl() {
    }

    static void handle(HubSimulator sim, HttpServerRequest request) {
        String path = request.path();
        if (!path.equals("/_sim/faults")) {
            request.response().setStatusCode(404).end("unknown control path " + path + ": use /_sim/faults\n");
            return;
        }
        if (request.method() == HttpMethod.DELETE) {
            sim.faults().clear();
            request.response().setStatusCode(204).end();
            return;
        }
        if (request.method() != HttpMethod.POST) {
            request.response().setStatusCode(405).end("use POST (add faults) or DELETE (clear faults)\n");
            return;
        }
        request.body().onComplete(ar -> {
            if (ar.failed()) {
                request.response().setStatusCode(400).end("could not read the body: " + ar.cause() + "\n");
                return;
            }
            try {
                SimSpec.faults(sim.faults(), Json.decodeValue(ar.result()));
                request.response().setStatusCode(204).end();
            } catch (RuntimeException e) {
                request.response().setStatusCode(400).end(e.getMessage() + "\n");
            }
        });
    }
}
