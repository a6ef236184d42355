#!/usr/bin/env bash
# JMH benchmarks of the engine beside plain java.nio (needs root for the reflink filesystem):
#   - lookup of a file at the bottom of a 20-layer stack (cold: asked of the layers; warm: node cache + stat)
#   - merged readdir of 10,000 names over 3 layers with 1,000 whiteouts
#   - copy-up of a 1 GiB file: plain copy on ext4 (copy_file_range) and reflink on xfs (a RAM-backed loop device)
# Results: layerfs-core/target/jmh-results.txt; the table in bench/README.md was made with this script.
set -euo pipefail
export LANG=C.UTF-8 LC_ALL=C.UTF-8
cd "$(dirname "$(readlink -f "$0")")/.."
JAVA_HOME=$(scripts/java-home)
export JAVA_HOME MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
command -v mkfs.xfs >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xfsprogs >/dev/null

. bench/scratch.sh
scratch_tmpfs layerfs-reflink 4g
ram=$scratch
truncate -s 3500M "$ram/xfs.img"
mkfs.xfs -q -m reflink=1 "$ram/xfs.img"
mkdir "$ram/xfs"
mount -o loop "$ram/xfs.img" "$ram/xfs"

mvn -q -B install -DskipTests
mvn -q -B -Dbench -pl layerfs-core -DskipTests verify \
  "-Dbench.args=-rf text -rff $PWD/layerfs-core/target/jmh-results.txt EngineBenchmark CopyUpBenchmark \
   -p root=/var/tmp/layerfs-engine-bench,$ram/xfs/bench" "$@"
cat layerfs-core/target/jmh-results.txt
