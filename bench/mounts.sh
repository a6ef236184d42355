# Mounting the implementations the memory and huge-directory benchmarks compare, sourced by bench/memory.sh and
# bench/bigdir.sh once $here is the checkout.

# mount_impl NAME OPTIONS MOUNTPOINT: mounts kovl (the kernel's overlayfs), fovl (fuse-overlayfs), layerfs (this
# checkout's launcher) or base (the launcher $BASELINE names) with the overlay OPTIONS, and sets $pid to the daemon
# serving it (empty for kovl). LAYERFS_DAEMON_OPTS, when set, reaches the layerfs daemons.
mount_impl() {
  local name=$1 opts=$2 mnt=$3
  pid=""
  case $name in
    kovl) mount -t overlay overlay -o "$opts" "$mnt" ;;
    fovl)
      fuse-overlayfs -f -o "$opts" "$mnt" 2>/dev/null &
      pid=$!
      for _ in $(seq 100); do mountpoint -q "$mnt" && break; sleep 0.1; done ;;
    *)
      local launcher=$here/layerfs
      [ "$name" = base ] && launcher=${BASELINE:?BASELINE=/path/to/other/layerfs}
      "$launcher" mount -o "$opts" "$mnt"
      pid=$("$launcher" status | sed -n "s|^$mnt .*(pid \([0-9]*\)).*|\1|p") ;;
  esac
}

# unmount_impl MOUNTPOINT: unmounts it (lazily when busy) and waits up to 10 s for $pid, its daemon, to end.
unmount_impl() {
  mountpoint -q "$1" 2>/dev/null && { umount "$1" 2>/dev/null || umount -l "$1" 2>/dev/null || true; }
  [ -n "$pid" ] && for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  return 0
}
