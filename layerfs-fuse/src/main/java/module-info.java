/** A FUSE server speaking the kernel protocol on {@code /dev/fuse} directly, and the overlay engine served by it. */
module dev.layerfs.fuse {
  requires transitive dev.layerfs.posix;
  requires transitive dev.layerfs.core;

  exports dev.layerfs.fuse;
  exports dev.layerfs.fuse.raw;
}
