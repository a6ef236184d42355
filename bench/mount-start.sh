#!/usr/bin/env bash
# Start-up time of `layerfs mount`: wall time from the command's start to the first answered stat of a file on the
# mount (the command returns once the mount is live, then `stat` runs), and of `layerfs --version`. The layers are on
# a tmpfs; each mount gets a fresh upper and work dir and is unmounted (`layerfs umount`, which waits for the daemon)
# before the next. Needs root. Timings only: nothing here passes or fails.
#   bench/mount-start.sh                                   N=10 runs of this checkout's launcher
#   BASELINE=/path/to/other/layerfs bench/mount-start.sh   the two launchers take turns (A/B), first in turn too
#   N=20 WHAT="mount" bench/mount-start.sh                 WHAT: mount, version or both (default)
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
N=${N:-10}
WHAT=${WHAT:-mount version}
names=(layerfs) launchers=("$repo/layerfs")
if [ -n "${BASELINE:-}" ]; then names+=(lfbase); launchers+=("$BASELINE"); fi

. "$repo/bench/scratch.sh"
scratch_tmpfs layerfs-mount-start 64m
W=$scratch
mkdir -p "$W/lower/d" "$W/merged" "$W/times"
for i in $(seq 100); do echo "$i" > "$W/lower/d/f$i"; done

tck=$(getconf CLK_TCK)
one_mount() {  # $1 launcher: prints the seconds from its start to the answered stat, and the daemon's CPU seconds
  rm -rf "$W/upper" "$W/work"
  mkdir "$W/upper" "$W/work"
  local t0=$EPOCHREALTIME
  "$1" mount -o "lowerdir=$W/lower,upperdir=$W/upper,workdir=$W/work" "$W/merged"
  stat "$W/merged/d/f1" >/dev/null
  local t1=$EPOCHREALTIME
  local pid cpu
  pid=$(pgrep -f "MountDaemon .*$W/merged\$" | head -1)
  cpu=$(awk -v t="$tck" '{printf "%.2f", ($14 + $15) / t}' "/proc/$pid/stat")
  "$1" umount "$W/merged"
  echo "$t0 $t1" | awk -v c="$cpu" '{printf "%.3f %s\n", $2 - $1, c}'
}
one_version() {
  local t0=$EPOCHREALTIME
  "$1" --version >/dev/null
  local t1=$EPOCHREALTIME
  echo "$t0 $t1" | awk '{printf "%.3f -\n", $2 - $1}'
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for l in "${launchers[@]}"; do  # warm-up, outside the timings: builds, JDK lookup, class data archives
  "$l" --version >/dev/null
  one_mount "$l" >/dev/null
  one_mount "$l" >/dev/null
done
for what in $WHAT; do
  for ((i = 0; i < N; i++)); do
    order=("${!launchers[@]}")
    if ((i % 2 == 1)); then order=($(printf '%s\n' "${order[@]}" | tac)); fi
    for k in "${order[@]}"; do
      "one_$what" "${launchers[$k]}" >> "$W/times/$what.${names[$k]}"
    done
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
# Wall seconds from the command's start to the answered stat; for mounts also the daemon's CPU seconds (user +
# system) by then, which depends less on what else the machine runs.
printf '%-12s %-8s %4s %8s %8s %8s  %s\n' what launcher runs median min max all
for what in $WHAT; do
  for name in "${names[@]}"; do
    for col in 1 2; do
      label=$what; [ $col = 2 ] && label="$what-cpu"
      [ $col = 2 ] && [ "$what" != mount ] && continue
      cut -d' ' -f$col "$W/times/$what.$name" | sort -n | awk -v w="$label" -v n="$name" '{ v[NR] = $1; all = all " " $1 }
        END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%-12s %-8s %4d %8.3f %8.3f %8.3f %s\n", w, n, NR, m, v[1], v[NR], all }'
    done
  done
done
