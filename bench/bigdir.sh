#!/usr/bin/env bash
# Huge flat directories through each implementation (root): `ls -f | wc -l` and `ls -l >/dev/null` of a lower
# directory of 600,000 and of 1,000,000 empty files, each on a fresh mount (fresh upper and work; the layer's own
# dentries stay warm in the kernel after the first run), and the FUSE daemon's peak RSS (VmHWM of /proc/PID/status)
# over both commands. The implementations take turns within each repetition, so noise from other load spreads
# over all of them. Prints one line per run.
#
#   bench/bigdir.sh                                          # this checkout's launcher, kernel overlay, fuse-overlayfs
#   IMPLS="base layerfs kovl fovl" BASELINE=/path/to/other/layerfs bench/bigdir.sh   # another build as "base"
#   SIZES="600000" REPS=3 bench/bigdir.sh
set -euo pipefail
export LANG=C LC_ALL=C
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
source "$here/bench/mounts.sh"
DATA=${DATA:-/var/tmp/layerfs-bigdir}
IMPLS=${IMPLS:-layerfs kovl fovl}
SIZES=${SIZES:-600000 1000000}
REPS=${REPS:-3}
[ "$(id -u)" = 0 ] || { echo "bench/bigdir.sh: needs root (mount)" >&2; exit 1; }

# The layers, made once: one mknod(2) per empty file.
make_layer() {  # DIR COUNT
  [ -e "$1/.done" ] && return
  echo "making $1 ($2 files) ..." >&2
  rm -rf "$1"
  mkdir -p "$1/flat"
  python3 - "$1/flat" "$2" <<'EOF'
import os, stat, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
for i in range(int(sys.argv[2])):
    os.mknod(f"f{i}", 0o644 | stat.S_IFREG, dir_fd=fd)
EOF
  touch "$1/.done"
}

mnt=$DATA/mnt
pid=""
cleanup() {
  local daemon=$pid
  pid="" unmount_impl "$mnt"
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
}
trap cleanup EXIT

hwm() { [ -n "$pid" ] && awk '/^VmHWM/ {print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || echo -; }
seconds() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "$e - $s" | bc; }

run() {  # IMPL LOWER COUNT REP
  local name=$1 lower=$2 count=$3 rep=$4
  rm -rf "$DATA/upper" "$DATA/work"
  mkdir -p "$DATA/upper" "$DATA/work" "$mnt"
  mount_impl "$name" "lowerdir=$lower,upperdir=$DATA/upper,workdir=$DATA/work" "$mnt"
  local out=$DATA/out.$$ lsf lsl seen status=0 lstatus=0
  lsf=$(seconds sh -c "ls -f '$mnt/flat' | wc -l > '$out'")
  seen=$(cat "$out")
  lsl=$(seconds sh -c "ls -l '$mnt/flat' > /dev/null 2> '$out.err'" ) || true
  [ -s "$out.err" ] && lstatus="$(head -c 60 "$out.err" | tr '\n' ' ')"
  rm -f "$out" "$out.err"
  printf '%-8s %8s %3s %9.2f %10s %9.2f %8s  %s\n' "$name" "$count" "$rep" "$lsf" "$seen" "$lsl" "$(hwm)" \
    "$([ "$seen" = $((count + 2)) ] || echo "ls -f: $seen of $((count + 2)); ")$([ "$lstatus" = 0 ] || echo "ls -l: $lstatus")"
  unmount_impl "$mnt"
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  pid=""
}

echo "# $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %8s %3s %9s %10s %9s %8s\n' impl entries rep "ls-f[s]" "ls-f seen" "ls-l[s]" "HWM[MB]"
for size in $SIZES; do make_layer "$DATA/l$size" "$size"; done
for rep in $(seq "$REPS"); do
  for size in $SIZES; do
    for impl in $IMPLS; do
      run "$impl" "$DATA/l$size" "$size" "$rep"
    done
  done
done
