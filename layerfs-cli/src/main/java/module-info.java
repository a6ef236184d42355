/** The {@code layerfs} command line. */
module dev.layerfs.cli {
  requires dev.layerfs.core;
  requires dev.layerfs.fuse;
  requires info.picocli;

  opens dev.layerfs.cli to info.picocli;
}
