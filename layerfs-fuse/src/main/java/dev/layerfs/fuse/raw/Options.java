package dev.layerfs.fuse.raw;

/** The settings of one mount, as {@link FuseServer.Builder} collected and checked them. */
record Options(
    String fsName,
    String subtype,
    int readers,
    int maxWrite,
    boolean allowOther,
    boolean defaultPermissions,
    boolean readOnly,
    boolean writebackCache,
    boolean readdirplus,
    boolean passthrough,
    int maxStackDepth,
    boolean autoUnmount,
    boolean useFusermount) {

  /** Room for the largest request: a WRITE of {@code maxWrite} bytes plus its headers. */
  int requestBufferSize() {
    return maxWrite + 4096;
  }

  /** Room for the largest reply: a READ of {@code maxWrite} bytes, or an xattr value of 64 KiB, plus headers. */
  int replyBufferSize() {
    return maxWrite + 4096;
  }
}
