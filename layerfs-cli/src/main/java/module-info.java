/** The {@code layerfs} command line. */
module dev.layerfs.cli {
  requires dev.layerfs.core;
  requires dev.layerfs.fuse;
  requires dev.layerfs.oci;
  requires info.picocli;

  opens dev.layerfs.cli to info.picocli;
  opens dev.layerfs.cli.oci to info.picocli;
}
