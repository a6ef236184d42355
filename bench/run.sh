#!/usr/bin/env bash
# Benchmarks a layerfs FUSE mount side by side with native ext4, the kernel's overlayfs and fuse-overlayfs, with
# the project's shared harness (shared/bench/bench.sh, not copied here). Needs root; takes a while and needs RAM.
#   bench/run.sh                      full run (medians of 5 warm / 3 cold repetitions)
#   QUICK=1 bench/run.sh              one repetition of everything
#   WORKLOADS="c f" bench/run.sh      some workloads; any other knob of bench.sh passes through the environment
#   BASELINE=/path/to/other/layerfs bench/run.sh   adds that launcher as "lfbase" (an A/B in one run)
#   BENCH_SH=/path/to/bench.sh bench/run.sh
# Results: $W/results/<stamp>/summary.txt (W defaults to /var/tmp/layerfs-bench).
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
if [ -z "${BENCH_SH:-}" ]; then
  for candidate in "$repo/../shared/bench/bench.sh" "$repo/../../shared/bench/bench.sh" /work/shared/bench/bench.sh; do
    if [ -x "$candidate" ]; then BENCH_SH=$(readlink -f "$candidate"); break; fi
  done
fi
[ -n "${BENCH_SH:-}" ] && [ -x "$BENCH_SH" ] || { echo "bench/run.sh: shared/bench/bench.sh not found; set BENCH_SH" >&2; exit 1; }
"$repo/layerfs" --version >/dev/null   # builds on first use, outside the timings
export IMPL_CMD_layerfs="$repo/layerfs mount -f -o lowerdir={LOWERS},upperdir={UPPER},workdir={WORK} {MNT}"
impls=(kovl fovl layerfs)
if [ -n "${BASELINE:-}" ]; then
  "$BASELINE" --version >/dev/null
  export IMPL_CMD_lfbase="$BASELINE mount -f -o lowerdir={LOWERS},upperdir={UPPER},workdir={WORK} {MNT}"
  impls=(kovl fovl lfbase layerfs)
fi
exec "$BENCH_SH" "${impls[@]}"
