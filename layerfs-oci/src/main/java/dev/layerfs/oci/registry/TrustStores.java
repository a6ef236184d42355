package dev.layerfs.oci.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS trust for registries: the JDK's CAs plus those of a PEM file, so that a registry with a private or self-signed
 * certificate is verified, never trusted blindly.
 */
final class TrustStores {
  private TrustStores() {}

  static SSLContext jdkDefault() {
    try {
      return SSLContext.getDefault();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no default TLS context", e);
    }
  }

  /** A context trusting the JDK's default CAs and every certificate in {@code pemFile}. */
  static SSLContext withExtraCertificates(Path pemFile) throws IOException {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int index = 0;
      for (X509Certificate ca : defaultTrustManager().getAcceptedIssuers()) {
        store.setCertificateEntry("jdk-" + index++, ca);
      }
      Collection<? extends Certificate> extra;
      try (InputStream in = Files.newInputStream(pemFile)) {
        extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (extra.isEmpty()) {
        throw new IOException("CA file " + pemFile + " holds no PEM certificate");
      }
      for (Certificate ca : extra) {
        store.setCertificateEntry("extra-" + index++, ca);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use CA file " + pemFile + ": " + e.getMessage(), e);
    }
  }

  private static X509TrustManager defaultTrustManager() throws GeneralSecurityException {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        return x509;
      }
    }
    throw new IllegalStateException("the JDK has no X.509 trust manager");
  }
}
