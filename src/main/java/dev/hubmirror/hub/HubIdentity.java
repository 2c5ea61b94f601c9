package dev.hubmirror.hub;

import java.util.Map;

/**
 * Who a Hub token belongs to, as {@code GET /api/whoami-v2} answers: the account and, for an access token, its name
 * and role. Never holds the token.
 *
 * @param name      the account name ({@code alice}, or an organization's name for an org token)
 * @param type      {@code user} or {@code org}; {@code null} when the Hub does not say
 * @param tokenName the access token's display name; {@code null} when the Hub does not say
 * @param tokenRole {@code read}, {@code write} or {@code fineGrained}; {@code null} when the Hub does not say
 */
public record HubIdentity(String name, String type, String tokenName, String tokenRole) {

    /**
     * The identity in a whoami-v2 answer.
     *
     * @throws IllegalArgumentException when the answer names no account
     */
    public static HubIdentity of(Map<String, Object> whoami) {
        if (!(whoami.get("name") instanceof String name) || name.isBlank()) {
            throw new IllegalArgumentException("the Hub's whoami-v2 answer has no 'name'");
        }
        Map<?, ?> token = whoami.get("auth") instanceof Map<?, ?> auth && auth.get("accessToken") instanceof Map<?, ?> t
                ? t : Map.of();
        return new HubIdentity(name, text(whoami.get("type")), text(token.get("displayName")), text(token.get("role")));
    }

    private static String text(Object value) {
        return value instanceof String s && !s.isBlank() ? s : null;
    }
}
