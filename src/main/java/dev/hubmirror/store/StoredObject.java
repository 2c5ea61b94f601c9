package dev.hubmirror.store;

import java.util.Map;

/** A visible object: its key, size and the user metadata written with it (keys lower-case). */
public record StoredObject(String key, long size, Map<String, String> metadata) {
}
