#!/usr/bin/env bash
# Open directories through a layerfs mount: 2,000 `ls -f` (OPENDIR, READDIR, RELEASEDIR) of a 20-entry directory of
# one lower layer and of a merged one, each launcher on a fresh mount, alternating, 3 rounds. Needs root. Timings only.
#   BASELINE=/path/to/other/layerfs bench/opendir.sh
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
baseline=${BASELINE:?BASELINE=/path/to/another/checkout/layerfs}
. "$repo/bench/scratch.sh"
scratch_tmpfs layerfs-dirbench 64m
W=$scratch
mkdir -p $W/l1/d $W/l2/d $W/l1/m $W/l2/m
for i in $(seq 20); do touch $W/l1/d/f$i $W/l1/m/a$i $W/l2/m/b$i; done
one() {
  rm -rf $W/u $W/w; mkdir -p $W/u $W/w $W/mnt
  "$1" mount -o lowerdir=$W/l1:$W/l2,upperdir=$W/u,workdir=$W/w $W/mnt
  ls -f $W/mnt/d $W/mnt/m >/dev/null  # warm the lookups
  for i in $(seq 500); do ls -f $W/mnt/d >/dev/null; done   # JIT warm-up
  local t0=$(date +%s.%N)
  for i in $(seq 2000); do ls -f $W/mnt/d >/dev/null; done
  local t1=$(date +%s.%N)
  for i in $(seq 2000); do ls -f $W/mnt/m >/dev/null; done
  local t2=$(date +%s.%N)
  "$1" umount $W/mnt
  echo "$2 single $(echo "$t1 - $t0" | bc) merged $(echo "$t2 - $t1" | bc)"
}
for r in 1 2 3; do one "$baseline" base; one "$repo/layerfs" new; done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
