package dev.layerfs.fuse;

import dev.layerfs.fuse.raw.FuseException;
import dev.layerfs.posix.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The kernel's file handles for one kind of open object; handles are never reused while the mount lives. */
final class Handles<T> {
  private final ConcurrentHashMap<Long, T> open = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong(1);

  long add(T value) {
    long handle = next.getAndIncrement();
    open.put(handle, value);
    return handle;
  }

  T get(long handle) throws FuseException {
    T value = open.get(handle);
    if (value == null) {
      throw FuseException.of(Errno.EBADF);
    }
    return value;
  }

  /** Removes a handle and answers what it held, or null when it was not open. */
  T remove(long handle) {
    return open.remove(handle);
  }

  /** Removes and answers everything still open. */
  List<T> drain() {
    List<T> all = new ArrayList<>();
    for (Long handle : List.copyOf(open.keySet())) {
      T value = open.remove(handle);
      if (value != null) {
        all.add(value);
      }
    }
    return all;
  }

  int size() {
    return open.size();
  }
}
