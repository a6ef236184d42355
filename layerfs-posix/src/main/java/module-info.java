/** Thin FFM bindings for the Linux calls that {@code java.nio} lacks, with byte-string names. */
module dev.layerfs.posix {
  exports dev.layerfs.posix;
}
