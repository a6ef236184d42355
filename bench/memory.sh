#!/usr/bin/env bash
# The FUSE daemon's memory over a million-entry walk (root). Builds once, under $DATA (default
# /var/tmp/layerfs-memory), a lower layer of 1,000 directories × 1,000 empty files (1,001,001 entries with the root),
# then for each implementation: mounts it over that layer (fresh upper and work), and records the daemon's VmRSS and
# VmHWM (/proc/PID/status) idle, during each walk (the largest VmRSS sampled every 0.5 s) and 5 s after it. Each walk
# counts what it saw, so a walk that misses entries shows. Prints one table per implementation.
#
#   bench/memory.sh                                 # this checkout's launcher, then fuse-overlayfs
#   IMPLS="layerfs base fovl" BASELINE=/path/to/layerfs bench/memory.sh    # another build's launcher as "base"
#   WALKS="find lsR find tar" bench/memory.sh       # walks, in order: find (find -printf), lsR (ls -lR), tar (tar c)
#   LAYERS=3 bench/memory.sh                        # two more lower layers above it, 100 files in each directory
#   NMT=1 bench/memory.sh                           # layerfs with -XX:NativeMemoryTracking=summary: jcmd's summary
#                                                   # idle and after each walk (NMT itself costs a few MB)
#   HISTO=1 bench/memory.sh                         # layerfs: live NodeTable$Entry and core Node objects (a full GC)
set -euo pipefail
export LANG=C.UTF-8 LC_ALL=C.UTF-8
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
source "$here/bench/mounts.sh"
DATA=${DATA:-/var/tmp/layerfs-memory}
IMPLS=${IMPLS:-layerfs fovl}
WALKS=${WALKS:-find lsR find}
LAYERS=${LAYERS:-1}
SETTLE=${SETTLE:-5}
[ "$(id -u)" = 0 ] || { echo "bench/memory.sh: needs root (mount)" >&2; exit 1; }
JAVA_HOME=$("$here/scripts/java-home")

# The lower layers, made once: mknod(2) of an empty file is one system call, so a million take under a minute.
make_layer() {  # DIR DIRS FILES PREFIX
  [ -e "$1/.done" ] && return
  echo "making $1 ($2 × $3 files) ..." >&2
  rm -rf "$1"
  mkdir -p "$1"
  python3 - "$@" <<'EOF'
import os, stat, sys
root, dirs, files, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for d in range(dirs):
    p = f"{root}/d{d}"
    os.mkdir(p)
    for f in range(files):
        os.mknod(f"{p}/{prefix}{f}", 0o644 | stat.S_IFREG)
EOF
  touch "$1/.done"
}
make_layer "$DATA/lower" 1000 1000 f
lowers=$DATA/lower
expected=1001002  # the root, .done, 1,000 directories, 1,000,000 files
if [ "$LAYERS" = 3 ]; then
  make_layer "$DATA/lower2" 1000 100 b
  make_layer "$DATA/lower3" 1000 100 c
  lowers=$DATA/lower3:$DATA/lower2:$DATA/lower
  expected=$((expected + 200000))
fi

mnt=$DATA/mnt
started=""
pid=""
cleanup() {
  pid="" unmount_impl "$mnt"
  for p in $started; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

rss() { awk '/^VmRSS/ {r=$2} /^VmHWM/ {h=$2} END {printf "%d %d\n", r/1024, h/1024}' "/proc/$1/status"; }
walk() {  # KIND: prints the entries it saw
  case $1 in
    find) find "$mnt" -printf . | wc -c ;;
    lsR) ls -lR "$mnt" | grep -c '^[-d]' ;;  # entries other than the root and the root's own "total" lines
    tar) tar -C "$mnt" -cf - . | tar -tf - | wc -l ;;
  esac
}
nmt() { [ "${NMT:-0}" = 1 ] && [ "$2" = java ] && "$JAVA_HOME/bin/jcmd" "$1" VM.native_memory summary \
  | awk '/^Total|^-  *(Java Heap|Class|Thread|Code|GC|Compiler|Internal|Other|Symbol|Native Memory Tracking|Arena Chunk|Metaspace|Shared class space|Module|Synchronizer|Serviceability|Object Monitors|Arguments|Tracing|Safepoint|Logging|Statistics|String Deduplication|Unknown)/ {
      sub(/^- */, ""); gsub(/  +/, " "); print "      nmt: " $0 }' | grep -v 'committed=0KB' >&2 || true; }
histo() { [ "${HISTO:-0}" = 1 ] && [ "$2" = java ] && "$JAVA_HOME/bin/jcmd" "$1" GC.class_histogram \
  | awk '$4 == "dev.layerfs.fuse.NodeTable$Entry" {e=$2} $4 == "dev.layerfs.core.Node" {n=$2}
         END {printf "      live: %d NodeTable$Entry, %d core Node\n", e, n}' >&2 || true; }

run() {  # NAME
  local name=$1 kind=java
  rm -rf "$DATA/upper" "$DATA/work"
  mkdir -p "$DATA/upper" "$DATA/work" "$mnt"
  [ "$name" = fovl ] && kind=c
  if [ "$kind" = java ] && [ "${NMT:-0}" = 1 ]; then  # the launcher's default daemon flags, with NMT
    local launcher=$here/layerfs
    [ "$name" = base ] && launcher=$BASELINE
    export LAYERFS_DAEMON_OPTS
    LAYERFS_DAEMON_OPTS="$(sed -n 's/.*LAYERFS_DAEMON_OPTS="${LAYERFS_DAEMON_OPTS:-\([^}]*\)}.*/\1/p' "$launcher")"
    LAYERFS_DAEMON_OPTS+=" -XX:NativeMemoryTracking=summary"
  fi
  mount_impl "$name" "lowerdir=$lowers,upperdir=$DATA/upper,workdir=$DATA/work" "$mnt"
  started="$started $pid"
  mountpoint -q "$mnt" && [ -n "$pid" ] || { echo "$name: not mounted" >&2; return 1; }
  stat "$mnt" >/dev/null
  sleep "$SETTLE"
  printf '%-8s %-10s %8s %8s %10s %8s\n' "$name" phase "RSS[MB]" "HWM[MB]" entries "time[s]"
  read -r r h < <(rss "$pid")
  printf '%-8s %-10s %8s %8s %10s %8s\n' "" idle "$r" "$h" "" ""
  nmt "$pid" "$kind"; histo "$pid" "$kind"
  local w i=0
  for w in $WALKS; do
    i=$((i + 1))
    local out=$DATA/count.$$ start end count peak=0 hung=""
    start=$(date +%s.%N)
    walk "$w" > "$out" &
    local walker=$!
    # Sample the daemon's RSS while the walk runs; a daemon that stops answering (as the one with the old flags
    # did, out of heap) is killed after WALK_TIMEOUT seconds, which ends the walk with ENOTCONN.
    while kill -0 "$walker" 2>/dev/null; do
      r=$(awk '/^VmRSS/ {print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ "$r" -gt "$peak" ] && peak=$r
      if [ "$(echo "$(date +%s.%N) - $start > ${WALK_TIMEOUT:-900}" | bc)" = 1 ] && [ -z "$hung" ]; then
        hung=" (no answer after ${WALK_TIMEOUT:-900} s: daemon killed)"
        kill -9 "$pid" 2>/dev/null || true
      fi
      sleep 0.5
    done
    wait "$walker" || true
    end=$(date +%s.%N)
    count=$(cat "$out")
    rm -f "$out"
    kill -0 "$pid" 2>/dev/null || { echo "$name: the daemon is gone after walk $i$hung" >&2; return 1; }
    read -r r h < <(rss "$pid")
    [ "$r" -gt "$peak" ] && peak=$r
    printf '%-8s %-10s %8s %8s %10s %8.1f\n' "" "$i:$w" "$peak" "$h" "$count" "$(echo "$end - $start" | bc)"
    sleep "$SETTLE"
    read -r r h < <(rss "$pid")
    printf '%-8s %-10s %8s %8s %10s %8s\n' "" "  after" "$r" "$h" "" ""
    nmt "$pid" "$kind"; histo "$pid" "$kind"
  done
  unmount_impl "$mnt"
}

echo "# $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), $LAYERS lower layer(s), $expected entries" \
  "expected from find (lsR counts the entries below the root but .done: $((expected - 2)))"
for impl in $IMPLS; do
  run "$impl" || unmount_impl "$mnt"
done
