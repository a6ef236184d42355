package dev.layerfs.core.testing;

import dev.layerfs.core.OverlayOptions;

/** An overlay implementation under differential test: the engine itself, a FUSE mount, the NIO view. */
public interface ViewUnderTest extends AutoCloseable {
  FsOps ops();

  /** Opens the implementation on the given layers; closing must release the layers (unmount, close). */
  interface Factory {
    ViewUnderTest open(OverlayOptions options, LayerFixture.Layers layers) throws Exception;
  }

  /** The engine, called directly. */
  static Factory engine() {
    return (options, layers) -> {
      var overlay = dev.layerfs.core.Overlay.open(options);
      return of(new EngineFsOps(overlay), overlay);
    };
  }

  /** A view whose operations are {@code ops} and whose close is {@code resource}'s. */
  static ViewUnderTest of(FsOps ops, AutoCloseable resource) {
    return new ViewUnderTest() {
      @Override
      public FsOps ops() {
        return ops;
      }

      @Override
      public void close() throws Exception {
        resource.close();
      }
    };
  }
}
