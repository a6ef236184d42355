package dev.layerfs.oci.registry;

import java.io.IOException;

/** An auth file cannot be used: malformed, or it delegates to a credential helper, which this client does not run. */
public final class CredentialsException extends IOException {
  CredentialsException(String message) {
    super(message);
  }

  CredentialsException(String message, Throwable cause) {
    super(message, cause);
  }
}
