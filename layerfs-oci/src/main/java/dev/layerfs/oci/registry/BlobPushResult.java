package dev.layerfs.oci.registry;

/** How a blob came to be in the target repository, so callers can report what was actually sent. */
public enum BlobPushResult {
  /** The repository had it already; nothing was sent. */
  ALREADY_PRESENT,
  /** The registry linked it from another repository; nothing was sent. */
  MOUNTED,
  /** Its bytes were uploaded. */
  UPLOADED
}
