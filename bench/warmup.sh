#!/usr/bin/env bash
# Warm-up of the mount daemon: chmod of 1,000 lower files (the harness's d2-chmod1000) in a fresh daemon against a
# daemon that made 1,000 such chmods (of other files) before, and with other daemon flags. Prints the wall seconds of
# the timed chmod and the daemon's CPU seconds (user + system) during it. Needs root. Timings only.
#   bench/warmup.sh                                   N=5 runs of each of the default cases (fresh, warm)
#   CASES="fresh xint tiered" N=5 bench/warmup.sh    fresh: default flags; warm: after 1,000 chmods; xint: -Xint;
#                                                     tiered: C2 too (no -XX:TieredStopAtLevel=1)
#   EXTRA="-XX:CompileThresholdScaling=3" CASES="fresh extra" bench/warmup.sh   extra: the default flags + $EXTRA
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
N=${N:-5}
CASES=${CASES:-fresh warm}
launcher=$repo/layerfs
# The launcher's daemon flags (LAYERFS_DAEMON_OPTS's default, read from it), so that a case can change one of them.
flags=$(sed -n 's/.*LAYERFS_DAEMON_OPTS="${LAYERFS_DAEMON_OPTS:-\([^}]*\)}.*/\1/p' "$launcher")
[ -n "$flags" ] || { echo "bench/warmup.sh: no LAYERFS_DAEMON_OPTS default in $launcher" >&2; exit 1; }

. "$repo/bench/scratch.sh"
scratch_tmpfs layerfs-warmup 256m
W=$scratch
mkdir -p "$W/lower/a" "$W/lower/b" "$W/merged"
for i in $(seq 1000); do echo "$i" > "$W/lower/a/f$i"; echo "$i" > "$W/lower/b/f$i"; done

one() {  # $1 case: prints "wall cpu" of the chmod of lower/b/*
  local opts=$flags
  case $1 in
    xint) opts+=" -Xint";;
    tiered) opts=${flags/-XX:TieredStopAtLevel=1/};;
    extra) opts+=" ${EXTRA:-}";;
  esac
  rm -rf "$W/upper" "$W/work"
  mkdir "$W/upper" "$W/work"
  LAYERFS_DAEMON_OPTS=$opts "$launcher" mount -o "lowerdir=$W/lower,upperdir=$W/upper,workdir=$W/work" "$W/merged"
  stat "$W/merged/b" >/dev/null
  [ "$1" = warm ] && chmod 600 "$W/merged"/a/f*
  local pid c0 c1 t0 t1
  pid=$(pgrep -f "MountDaemon .*$W/merged\$" | head -1)
  c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  t0=$EPOCHREALTIME
  chmod 600 "$W/merged"/b/f*
  t1=$EPOCHREALTIME
  c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  "$launcher" umount "$W/merged"
  echo "$t0 $t1" | awk -v c=$((c1 - c0)) -v t="$(getconf CLK_TCK)" '{printf "%.3f %.2f\n", $2 - $1, c / t}'
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
one fresh >/dev/null  # the launcher's archives, outside the timings
for ((i = 0; i < N; i++)); do
  for c in $CASES; do one "$c" >> "$W/$c.times"; done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %4s %8s %8s %8s %8s  %s\n' case runs wall min max cpu all
for c in $CASES; do
  sort -n "$W/$c.times" | awk -v c="$c" '{ w[NR] = $1; u[NR] = $2; all = all " " $1 "/" $2 }
    END { n = asort_cpu(u); m = NR % 2 ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
          mc = NR % 2 ? u[(NR + 1) / 2] : (u[NR / 2] + u[NR / 2 + 1]) / 2
          printf "%-8s %4d %8.3f %8.3f %8.3f %8.2f %s\n", c, NR, m, w[1], w[NR], mc, all }
    function asort_cpu(a,   i, j, t) { for (i = 2; i <= NR; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t } return NR }'
done
