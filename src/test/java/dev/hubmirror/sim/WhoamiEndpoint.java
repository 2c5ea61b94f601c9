package dev.hubmirror.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /api/whoami-v2} as the Hub answers it: the account a token belongs to and the token's name and role (a
 * read token); 401 with the Hub's {@code {"error": "Invalid credentials in Authorization header"}} for a missing or
 * unknown token. It takes no scripted faults, so that a client checking its token in the background never consumes
 * a fault a test meant for a download.
 */
final class WhoamiEndpoint {

    static final String PATH = "whoami-v2";

    private WhoamiEndpoint() {
    }

    static void answer(HubSimulator sim, Exchange ex) {
        if (!ex.isGetOrHead()) {
            ex.hubError(405, null, "Method " + ex.request.method() + " not allowed");
            return;
        }
        String auth = ex.request.getHeader("Authorization");
        String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        String user = token == null || token.isEmpty() ? null : sim.userOf(token);
        if (user == null) {
            ex.hubError(401, null, "Invalid credentials in Authorization header");
            return;
        }
        ex.json(200, new JsonObject()
                .put("type", "user")
                .put("id", SimContent.sha1Hex("user:" + user).substring(0, 24))
                .put("name", user)
                .put("fullname", user)
                .put("isPro", false)
                .put("canPay", false)
                .put("orgs", new JsonArray())
                .put("auth", new JsonObject().put("type", "access_token").put("accessToken", new JsonObject()
                        .put("displayName", "sim-" + user).put("role", "read"))));
    }
}
