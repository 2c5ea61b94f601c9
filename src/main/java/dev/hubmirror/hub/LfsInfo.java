package dev.hubmirror.hub;

/** The LFS pointer of a file: the sha256 of its content (the LFS oid), its size and the pointer file's size. */
public record LfsInfo(String sha256, long size, long pointerSize) {
}
