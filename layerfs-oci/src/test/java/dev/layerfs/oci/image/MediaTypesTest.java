package dev.layerfs.oci.image;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MediaTypesTest {

  @Test
  void indexesAndManifestsAreToldApart() {
    assertTrue(MediaTypes.isIndex(MediaTypes.OCI_INDEX));
    assertTrue(MediaTypes.isIndex(MediaTypes.DOCKER_MANIFEST_LIST));
    assertFalse(MediaTypes.isIndex(MediaTypes.OCI_MANIFEST));
    assertTrue(MediaTypes.isManifest(MediaTypes.DOCKER_MANIFEST));
    assertFalse(MediaTypes.isManifest(MediaTypes.OCI_CONFIG));
    assertFalse(MediaTypes.isManifest(null));
  }

  @Test
  void layersOfEveryCompressionAreLayers() {
    for (String layer : new String[] {MediaTypes.OCI_LAYER_TAR, MediaTypes.OCI_LAYER_TAR_GZIP,
        MediaTypes.OCI_LAYER_TAR_ZSTD, MediaTypes.DOCKER_LAYER_TAR_GZIP,
        MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP}) {
      assertTrue(MediaTypes.isLayer(layer), layer);
    }
    assertFalse(MediaTypes.isLayer(MediaTypes.OCI_CONFIG));
  }

  @Test
  void nondistributableLayersAreTheForeignOnes() {
    assertTrue(MediaTypes.isNondistributable(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD));
    assertTrue(MediaTypes.isNondistributable(MediaTypes.DOCKER_FOREIGN_LAYER_TAR_GZIP));
    assertFalse(MediaTypes.isNondistributable(MediaTypes.OCI_LAYER_TAR_GZIP));
    assertFalse(MediaTypes.isNondistributable(null));
  }
}
