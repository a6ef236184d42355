package dev.layerfs.posix;

/** A persistent file handle from {@code name_to_handle_at(2)}, and the mount it belongs to. */
public record FileHandle(int type, byte[] bytes, int mountId) {}
