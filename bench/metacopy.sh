#!/usr/bin/env bash
# chmod of 1,000 lower files (256 KiB each) with metacopy=on and metacopy=off, on the kernel's overlayfs and on a
# layerfs FUSE mount, alternating the four cases within each repetition. Every case gets a fresh upper and work dir
# on a RAM-backed ext4 (a loop device on tmpfs), so the copy-ups are the work measured, not the disk.
# Prints the seconds of each run (the chmod, between two syncs), the medians, and the bytes the upper layer takes.
# With BASELINE=DIR (another checkout, built), also the cost metacopy support adds to lookups with metacopy=off: a
# cold `ls -l` of 10,000 lower files on a fresh layerfs mount, this checkout's build alternating with the baseline's.
#   REPS=N [BASELINE=DIR] bench/metacopy.sh      (default 5)
set -euo pipefail
export LANG=C.UTF-8 LC_ALL=C.UTF-8
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$here/bench/lib.sh"
reps=${REPS:-5}
files=1000

. "$here/bench/scratch.sh"
scratch_tmpfs layerfs-metacopy 2g
ram=$scratch
truncate -s 1500M "$ram/ext4.img"
mkfs.ext4 -q "$ram/ext4.img"
mkdir "$ram/fs"
mount -o loop "$ram/ext4.img" "$ram/fs"
mkdir -p "$ram/fs/lower/files" "$ram/fs/m"
head -c $((256 * 1024)) /dev/urandom > "$ram/fs/seed"
for i in $(seq 1 $files); do cp "$ram/fs/seed" "$ram/fs/lower/files/f$i"; done

# one CASE: mounts a fresh overlay, times the chmod, records the upper layer's bytes, unmounts
one() {
  local impl=$1 metacopy=$2 fs=$ram/fs
  rm -rf "$fs/upper" "$fs/work"
  mkdir "$fs/upper" "$fs/work"
  local opts="lowerdir=$fs/lower,upperdir=$fs/upper,workdir=$fs/work,metacopy=$metacopy"
  if [ "$impl" = kovl ]; then
    mount -t overlay overlay -o "$opts" "$fs/m"
  else
    "$here/layerfs" mount -o "$opts" "$fs/m"
  fi
  local t
  t=$(seconds chmod 600 "$fs"/m/files/f*)
  local bytes
  bytes=$(du -s --block-size=1 "$fs/upper" | cut -f1)
  if [ "$impl" = kovl ]; then umount "$fs/m"; else "$here/layerfs" umount "$fs/m"; fi
  echo "$t $bytes"
}

declare -A times bytes
cases="kovl:off kovl:on layerfs:off layerfs:on"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq 1 "$reps"); do
  for c in $cases; do
    read -r t b < <(one "${c%%:*}" "${c##*:}")
    times[$c]="${times[$c]:-} $t"
    bytes[$c]=$b
    echo "rep $rep $c ${t}s upper ${b} bytes"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| case | median [s] | upper layer [bytes] |"
echo "|---|---|---|"
for c in $cases; do
  # shellcheck disable=SC2086
  echo "| ${c%%:*} metacopy=${c##*:} | $(median ${times[$c]}) | ${bytes[$c]} |"
done

[ -n "${BASELINE:-}" ] || exit 0
mkdir -p "$ram/fs/many"
for i in $(seq 1 10000); do : > "$ram/fs/many/f$i"; done
# lookups CHECKOUT: a fresh mount of the 10,000 files with that checkout's launcher, a cold ls -l, unmount
lookups() {
  local fs=$ram/fs
  rm -rf "$fs/upper" "$fs/work"
  mkdir "$fs/upper" "$fs/work"
  "$1/layerfs" mount -o "lowerdir=$fs/many,upperdir=$fs/upper,workdir=$fs/work" "$fs/m"
  local t
  t=$(seconds ls -l "$fs/m")
  "$1/layerfs" umount "$fs/m"
  echo "$t"
}
new="" old=""
echo "load average at start of the lookups: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq 1 "$reps"); do
  t=$(lookups "$here"); new="$new $t"; echo "rep $rep this checkout ${t}s"
  t=$(lookups "$BASELINE"); old="$old $t"; echo "rep $rep baseline ${t}s"
done
echo "load average at end of the lookups: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
echo "cold ls -l of 10,000 lower files, median: this checkout $(median $new) s, baseline $(median $old) s"
