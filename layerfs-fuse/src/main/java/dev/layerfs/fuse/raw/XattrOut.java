package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.layerfs.posix.Errno;
import java.lang.foreign.MemorySegment;

/**
 * The answer to GETXATTR (one value) or LISTXATTR (a list of names), collected in the reply buffer.
 *
 * <p>The kernel first asks for the size and then for the data, or asks with a buffer that may be too small; this
 * class answers both forms from what the filesystem put, so a filesystem only ever puts the whole answer. Do not
 * keep the view past the call.
 */
public final class XattrOut {
  private final MemorySegment area;
  private int length;

  XattrOut(MemorySegment area) {
    this.area = area;
  }

  XattrOut bind() {
    length = 0;
    return this;
  }

  /** The value of the attribute asked for by GETXATTR; binary values are fine. */
  public void value(byte[] value) throws FuseException {
    put(value, false);
  }

  /** Appends one attribute name to the LISTXATTR answer. */
  public void name(byte[] name) throws FuseException {
    put(name, true);
  }

  int length() {
    return length;
  }

  private void put(byte[] bytes, boolean terminate) throws FuseException {
    int end = length + bytes.length + (terminate ? 1 : 0);
    if (end > area.byteSize()) {
      throw FuseException.of(Errno.E2BIG);
    }
    MemorySegment.copy(bytes, 0, area, JAVA_BYTE, length, bytes.length);
    if (terminate) {
      area.set(JAVA_BYTE, end - 1L, (byte) 0);
    }
    length = end;
  }
}
