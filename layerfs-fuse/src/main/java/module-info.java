/** A FUSE server speaking the kernel protocol on {@code /dev/fuse} directly, without libfuse. */
module dev.layerfs.fuse {
  requires transitive dev.layerfs.posix;

  exports dev.layerfs.fuse.raw;
}
