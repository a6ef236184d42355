package dev.layerfs.oci.image;

import java.io.IOException;

/** Thrown when a manifest, index or config is not valid JSON of its kind; it is an I/O error because such documents come from disks and registries. */
public final class ImageFormatException extends IOException {
  ImageFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
