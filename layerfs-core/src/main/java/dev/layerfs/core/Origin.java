package dev.layerfs.core;

import dev.layerfs.posix.FileHandle;
import java.util.Arrays;

/**
 * The kernel's {@code overlay.origin} value ({@code struct ovl_fb}): which lower object an upper one was copied
 * from, as a persistent file handle, so its inode number survives copy-up and restarts.
 *
 * <p>Layout: version 0, magic 0xfb, total length, flags (0 on little-endian), handle type, the lower
 * filesystem's 16-byte uuid, then the handle bytes.
 */
record Origin(FileHandle handle, byte[] uuid) {
  private static final int HEADER = 21;

  static byte[] encode(FileHandle fh, byte[] uuid) {
    byte[] out = new byte[HEADER + fh.bytes().length];
    out[0] = 0;
    out[1] = (byte) 0xfb;
    out[2] = (byte) out.length;
    out[3] = 0;
    out[4] = (byte) fh.type();
    System.arraycopy(uuid, 0, out, 5, 16);
    System.arraycopy(fh.bytes(), 0, out, HEADER, fh.bytes().length);
    return out;
  }

  /** The handle in a stored value, or null for values the kernel would not decode either. */
  static Origin decode(byte[] value) {
    if (value.length < HEADER || value[0] != 0 || value[1] != (byte) 0xfb || (value[2] & 0xff) != value.length
        || (value[3] & ~0x3) != 0) {
      return null;
    }
    FileHandle fh = new FileHandle(value[4] & 0xff, Arrays.copyOfRange(value, HEADER, value.length), 0);
    return new Origin(fh, Arrays.copyOfRange(value, 5, HEADER));
  }

  boolean matches(FileHandle other) {
    return other.type() == handle.type() && Arrays.equals(other.bytes(), handle.bytes());
  }
}
