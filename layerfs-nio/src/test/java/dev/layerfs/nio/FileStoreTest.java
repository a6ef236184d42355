package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The view's one store reports the overlay's statfs: the upper layer's space, with the overlay's magic. */
class FileStoreTest extends OverlayTestCase {
  @Test
  void reportsTheUpperLayersSpace() throws IOException {
    FileStore store = Files.getFileStore(root);
    FileStore upperStore = Files.getFileStore(upper);
    assertEquals("overlay", store.type());
    assertEquals(upperStore.getTotalSpace(), store.getTotalSpace());
    assertTrue(store.getUsableSpace() > 0);
    assertTrue(store.getUnallocatedSpace() >= store.getUsableSpace());
    assertEquals(upperStore.getBlockSize(), store.getBlockSize());
    assertEquals(0x794c7630L, store.getAttribute("overlay:type"));
    assertEquals(store.getTotalSpace(), store.getAttribute("totalSpace"));
    assertFalse(store.isReadOnly());
    assertTrue(store.supportsFileAttributeView("unix"));
    assertTrue(store.supportsFileAttributeView(PosixFileAttributeView.class));
    assertFalse(store.supportsFileAttributeView("acl"));
    assertNull(store.getFileStoreAttributeView(FileStoreAttributeView.class));
    assertEquals(List.of(store), StreamSupport.stream(fs.getFileStores().spliterator(), false).toList());
    assertThrows(NoSuchFileException.class, () -> Files.getFileStore(root.resolve("missing")));
  }
}
