package dev.hubmirror.store;

/** What the store returned for an uploaded part (the ETag on S3), needed to complete the upload. */
public record PartReceipt(int number, long offset, long length, String etag) {
}
