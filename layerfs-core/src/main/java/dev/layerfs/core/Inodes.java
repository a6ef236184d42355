package dev.layerfs.core;

/**
 * Makes inode numbers from several layers unique the way the kernel's {@code xino} does: when the layers span
 * several filesystems, the filesystem's index goes into the high bits; on one filesystem numbers are used as they
 * are, which keeps them identical to what the kernel's overlay reports.
 */
final class Inodes {
  private final int shift;

  Inodes(int filesystems) {
    if (filesystems <= 1) {
      shift = 64;
    } else {
      int xinoBits = 31 - Integer.numberOfLeadingZeros(filesystems - 1) + 2;
      shift = 64 - xinoBits + 1;
    }
  }

  long map(Layer layer, long realIno) {
    return shift >= 64 || layer.fsIndex == 0 ? realIno : realIno | ((long) layer.fsIndex << shift);
  }
}
