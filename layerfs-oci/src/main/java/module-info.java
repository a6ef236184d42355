/**
 * OCI layers for the overlay engine: a byte-exact tar codec, layer diff and apply in the kernel's on-disk format,
 * a content-addressed layer store with images and containers, the OCI image model and a registry client.
 */
module dev.layerfs.oci {
  requires transitive dev.layerfs.core;
  requires transitive com.fasterxml.jackson.databind;
  requires java.net.http;
  requires com.github.luben.zstd_jni;

  exports dev.layerfs.oci.tar;
  exports dev.layerfs.oci.image;
  exports dev.layerfs.oci.layer;
  exports dev.layerfs.oci.store;
  exports dev.layerfs.oci.registry;

  opens dev.layerfs.oci.image to com.fasterxml.jackson.databind;
  opens dev.layerfs.oci.store to com.fasterxml.jackson.databind;
}
