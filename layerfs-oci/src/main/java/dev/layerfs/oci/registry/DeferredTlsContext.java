package dev.layerfs.oci.registry;

import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The JDK's default TLS context, made when a connection first needs it. The JDK's HTTP client takes its context when
 * it is built, and making the default one (starting JSSE, reading the CA store) took a sixth of a second of every
 * command, also of those that only ever speak plain HTTP to a registry on loopback.
 */
final class DeferredTlsContext extends SSLContext {
  DeferredTlsContext() {
    super(new Spi(), null, "TLS");
  }

  private static final class Spi extends SSLContextSpi {
    private volatile SSLContext made;

    private SSLContext context() {
      SSLContext context = made;
      if (context == null) {
        synchronized (this) {
          if (made == null) {
            try {
              made = SSLContext.getDefault();
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("the JDK has no default TLS context", e);
            }
          }
          context = made;
        }
      }
      return context;
    }

    @Override
    protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random)
        throws KeyManagementException {
      throw new KeyManagementException("the default TLS context cannot be initialized again");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return context().getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return context().getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return context().createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return context().createSSLEngine(host, port);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return context().getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return context().getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return context().getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return context().getSupportedSSLParameters();
    }
  }
}
