/** The overlay engine: the kernel's overlayfs semantics and on-disk format over layer directories. */
module dev.layerfs.core {
  requires transitive dev.layerfs.posix;

  exports dev.layerfs.core;
}
