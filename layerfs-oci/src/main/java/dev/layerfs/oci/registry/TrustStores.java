package dev.layerfs.oci.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS trust for registries: the JDK's CAs plus those of PEM files, so that a registry with a private or self-signed
 * certificate is verified; only the hosts a user named insecure are accepted without verification.
 */
final class TrustStores {
  private TrustStores() {}

  /**
   * A context trusting the JDK's default CAs and every certificate in {@code pemFiles}, and accepting any
   * certificate from the {@code insecureHosts} (host:port as in {@link Target#host}).
   */
  static SSLContext context(List<Path> pemFiles, Set<String> insecureHosts) throws IOException {
    if (pemFiles.isEmpty() && insecureHosts.isEmpty()) {
      return new DeferredTlsContext();
    }
    try {
      X509ExtendedTrustManager verifying = pemFiles.isEmpty() ? defaultTrustManager() : withCertificates(pemFiles);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {insecureHosts.isEmpty() ? verifying
          : new SkippingInsecureHosts(verifying, insecureHosts)}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS trust with CA files " + pemFiles + ": " + e.getMessage(), e);
    }
  }

  /**
   * The parameters to build an HTTP client with, which it would otherwise ask its context for (making a deferred one
   * at once): the client protocols, which must be named for the client to offer HTTP/2 (the JDK's, or those of
   * {@code -Djdk.tls.client.protocols}), and the engine's cipher suites.
   */
  static SSLParameters clientParameters() {
    String configured = System.getProperty("jdk.tls.client.protocols", "");
    String[] protocols = Arrays.stream(configured.split(",")).map(String::strip).filter(p -> !p.isEmpty())
        .toArray(String[]::new);
    return new SSLParameters(null, protocols.length > 0 ? protocols : new String[] {"TLSv1.3", "TLSv1.2"});
  }

  private static X509ExtendedTrustManager withCertificates(List<Path> pemFiles)
      throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    int index = 0;
    for (X509Certificate ca : defaultTrustManager().getAcceptedIssuers()) {
      store.setCertificateEntry("jdk-" + index++, ca);
    }
    for (Path pemFile : pemFiles) {
      Collection<? extends Certificate> extra;
      try (InputStream in = Files.newInputStream(pemFile)) {
        extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
      } catch (CertificateException e) {
        throw new IOException("CA file " + pemFile + " is not a PEM certificate: " + e.getMessage(), e);
      }
      if (extra.isEmpty()) {
        throw new IOException("CA file " + pemFile + " holds no PEM certificate");
      }
      for (Certificate ca : extra) {
        store.setCertificateEntry("extra-" + index++, ca);
      }
    }
    return trustManager(store);
  }

  private static X509ExtendedTrustManager defaultTrustManager() throws GeneralSecurityException {
    return trustManager(null);
  }

  private static X509ExtendedTrustManager trustManager(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509ExtendedTrustManager x509) {
        return x509;
      }
    }
    throw new IllegalStateException("the JDK has no X.509 trust manager");
  }

  /**
   * Verifies servers as {@code verifying} does, except the hosts given to {@code --insecure}, whose certificate and
   * host name are accepted as they are (the JDK's HTTP client checks host names in the trust manager).
   */
  private static final class SkippingInsecureHosts extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager verifying;
    private final Set<String> insecureHosts;

    SkippingInsecureHosts(X509ExtendedTrustManager verifying, Set<String> insecureHosts) {
      this.verifying = verifying;
      this.insecureHosts = Set.copyOf(insecureHosts);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      String peer = engine == null ? null : hostPort(engine.getPeerHost(), engine.getPeerPort());
      if (peer == null || !insecureHosts.contains(peer)) {
        verifying.checkServerTrusted(chain, authType, engine);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      verifying.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      verifying.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      verifying.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      verifying.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      verifying.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return verifying.getAcceptedIssuers();
    }

    private static String hostPort(String host, int port) {
      if (host == null) {
        return null;
      }
      String bracketed = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
      return port == 443 ? bracketed : bracketed + ":" + port;
    }
  }
}
