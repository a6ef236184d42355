package dev.layerfs.nio;

import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.StatFs;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserDefinedFileAttributeView;

/**
 * The one store of an overlay view, with the figures the kernel's overlay gives {@code statfs}: the upper layer's
 * space (the top lower layer's when read-only) and the overlay's magic number.
 */
final class OverlayFileStore extends FileStore {
  private final OverlayFileSystem fs;

  OverlayFileStore(OverlayFileSystem fs) {
    this.fs = fs;
  }

  private StatFs statfs() throws IOException {
    fs.checkOpen();
    try {
      return fs.overlay().statfs();
    } catch (PosixException e) {
      FileSystemException x = new FileSystemException(fs.name(), null, e.getMessage());
      x.initCause(e);
      throw x;
    }
  }

  private static long unit(StatFs s) {
    return s.fragmentSize() > 0 ? s.fragmentSize() : s.blockSize();
  }

  @Override
  public String name() {
    return fs.name();
  }

  @Override
  public String type() {
    return "overlay";
  }

  @Override
  public boolean isReadOnly() {
    return fs.isReadOnly();
  }

  @Override
  public long getTotalSpace() throws IOException {
    StatFs s = statfs();
    return s.blocks() * unit(s);
  }

  @Override
  public long getUsableSpace() throws IOException {
    StatFs s = statfs();
    return s.availableBlocks() * unit(s);
  }

  @Override
  public long getUnallocatedSpace() throws IOException {
    StatFs s = statfs();
    return s.freeBlocks() * unit(s);
  }

  @Override
  public long getBlockSize() throws IOException {
    return statfs().blockSize();
  }

  @Override
  public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
    return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class
        || type == FileOwnerAttributeView.class || type == UserDefinedFileAttributeView.class;
  }

  @Override
  public boolean supportsFileAttributeView(String name) {
    return fs.supportedFileAttributeViews().contains(name);
  }

  @Override
  public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
    return null;
  }

  /**
   * The space figures by name ({@code totalSpace}, {@code usableSpace}, {@code unallocatedSpace}), and the raw
   * {@code statfs} fields a tool might want: {@code overlay:type} (the magic number), {@code overlay:nameMax},
   * {@code overlay:files}, {@code overlay:freeFiles}.
   */
  @Override
  public Object getAttribute(String attribute) throws IOException {
    return switch (attribute) {
      case "totalSpace" -> getTotalSpace();
      case "usableSpace" -> getUsableSpace();
      case "unallocatedSpace" -> getUnallocatedSpace();
      case "overlay:type" -> statfs().type();
      case "overlay:nameMax" -> statfs().nameMax();
      case "overlay:files" -> statfs().files();
      case "overlay:freeFiles" -> statfs().freeFiles();
      default -> throw new UnsupportedOperationException("no file store attribute '" + attribute + "'");
    };
  }

  @Override
  public String toString() {
    return fs.name() + " (overlay)";
  }
}
