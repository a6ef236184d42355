# scratch_tmpfs NAME SIZE: sets $scratch to a new directory under /var/tmp with a tmpfs of SIZE on it, so a benchmark's
# layers live in RAM; at exit everything mounted below it (FUSE and loop mounts too) and the tmpfs are unmounted and
# the directory removed. Sourced by the benchmarks that need one.
scratch_tmpfs() {
  scratch=$(mktemp -d "/var/tmp/$1.XXXXXX")
  mount -t tmpfs -o "size=$2" "$1" "$scratch"
  trap scratch_cleanup EXIT
}

scratch_cleanup() {
  local m
  for m in $(awk -v below="$scratch/" 'index($2, below) == 1 {print $2}' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  umount "$scratch" 2>/dev/null || umount -l "$scratch" || true
  rmdir "$scratch" 2>/dev/null || true
}
