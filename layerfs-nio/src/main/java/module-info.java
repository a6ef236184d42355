/**
 * A {@code java.nio.file} provider for the scheme {@code overlay}: the kernel overlayfs's merged view of layer
 * directories as a {@link java.nio.file.FileSystem}, with a JUnit 5 extension that gives each test a
 * copy-on-write view of a fixture.
 */
module dev.layerfs.nio {
  requires dev.layerfs.core;
  requires static transitive org.junit.jupiter.api;

  exports dev.layerfs.nio;
  exports dev.layerfs.nio.junit;

  provides java.nio.file.spi.FileSystemProvider with dev.layerfs.nio.OverlayFileSystemProvider;
}
