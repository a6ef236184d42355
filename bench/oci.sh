#!/usr/bin/env bash
# OCI benchmark: import, commit and export of a debootstrap-sized image with layerfs, side by side in one run with
# umoci (unpack, repack) and skopeo (copy) doing the same work, and the disk used by 10 containers of one image
# against 10 unpacked copies. Not a test: it prints a Markdown table (also saved under bench/results/).
#
#   sudo bench/oci.sh                  # BENCH_RUNS=3 runs per step, median shown
#   BENCH_RUNS=5 BENCH_SUITE=bookworm BENCH_VARIANT=minbase sudo bench/oci.sh
#
# Needs root (debootstrap, device nodes, owners, overlay mounts), debootstrap, umoci, skopeo and a JDK >= 25.
# The debootstrap tree is cached in bench/results/oci-cache/ (delete it to rebuild).
set -euo pipefail
export LANG=C.UTF-8 LC_ALL=C.UTF-8
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
runs=${BENCH_RUNS:-3}
suite=${BENCH_SUITE:-bookworm}
variant=${BENCH_VARIANT:-minbase}
containers=${BENCH_CONTAINERS:-10}

[ "$(id -u)" = 0 ] || { echo "bench/oci.sh: run as root" >&2; exit 1; }
for tool in debootstrap umoci skopeo; do
  command -v "$tool" >/dev/null || { echo "bench/oci.sh: needs $tool (apt-get install $tool)" >&2; exit 1; }
done

source "$here/bench/lib.sh"
# The JVM directly, as ./layerfs runs it, without the launcher's JDK lookup (reported separately below).
jvm_flags=(--enable-native-access=ALL-UNNAMED -Dsun.jnu.encoding=UTF-8 -Dfile.encoding=UTF-8 -XX:+UseSerialGC)
layerfs() {  # -Xshare:auto as the launcher has it, unless an AOT cache replaces the class data sharing
  "$JAVA_HOME/bin/java" "${jvm_flags[@]}" ${aot_flags:--Xshare:auto} -cp "$jar:$here/layerfs-cli/target/lib/*" \
    dev.layerfs.cli.Main "$@"
}
# The same with JDK 25's AOT cache (JEP 483/514/515), trained by one commit below: what the launcher could use.
layerfs_aot() { aot_flags="-XX:AOTCache=$work/layerfs.aot" layerfs "$@"; }

cache="$here/bench/results/oci-cache"
work=$(mktemp -d /var/tmp/layerfs-oci-bench.XXXXXX)
cleanup() {
  for m in "$work"/mnt-*; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$cache" "$here/bench/results"

rootfs="$cache/rootfs-$suite-$variant"
if [ ! -d "$rootfs" ]; then
  echo "== debootstrap --variant=$variant $suite (cached in $rootfs)" >&2
  debootstrap --variant="$variant" "$suite" "$rootfs.partial" http://deb.debian.org/debian >/dev/null
  rm -rf "$rootfs.partial/var/cache/apt/archives/"*.deb
  mv "$rootfs.partial" "$rootfs"
fi
files=$(find "$rootfs" | wc -l)
size=$(du -sb "$rootfs" | cut -f1)

# worktime LOG PATTERN: the seconds the progress lines matching PATTERN report, the work without JVM start-up.
worktime() { grep "$2" "$1" | sed -n 's/.* in \([0-9.]*\) s .*/\1/p' | awk '{s+=$1} END {printf "%.2f", s}'; }

echo "== building the image with umoci ($files files, $((size / 1000000)) MB)" >&2
cd "$work"
umoci init --layout image >/dev/null
umoci new --image image:base >/dev/null
umoci unpack --image image:base bundle >/dev/null
cp -a "$rootfs/." bundle/rootfs/
umoci repack --refresh-bundle --image image:base bundle >/dev/null
layer_blob=$(du -b image/blobs/sha256/* | sort -n | tail -1 | cut -f1)

# The change a commit records: a package's worth of new files, deleted docs, an edited config, a renamed dir.
change='cp -a usr/share/doc usr/share/doc-copy && rm -rf usr/share/locale && echo changed >> etc/passwd && mv var/lib/dpkg/info var/lib/dpkg/info-renamed'

# Train the AOT cache on a commit, which runs picocli, Jackson, the store, a diff and an unpack.
layerfs image import image --root train --progress quiet >/dev/null
layerfs container create image:base t --root train >/dev/null
mkdir -p mnt-t && mount -t overlay overlay -o "$(layerfs container ls --json --root train | \
  grep -o '"mountOptions" : "[^"]*"' | cut -d'"' -f4)" mnt-t
(cd mnt-t && bash -c "$change")
umount mnt-t
aot_flags="-XX:AOTCacheOutput=$work/layerfs.aot" layerfs commit t image:next --root train --progress quiet \
  >/dev/null 2>&1
rm -rf train

declare -A t
for run in $(seq "$runs"); do
  echo "== run $run of $runs" >&2
  rm -rf store u bundle2 out-layerfs out-skopeo *.tar
  t[umoci_unpack]+=" $(seconds umoci unpack --image image:base u)"
  t[layerfs_import]+=" $(logged import.log layerfs image import image --root store --progress plain)"
  t[layerfs_import_work]+=" $(worktime import.log unpacking)"
  rm -rf store-aot
  t[layerfs_import_aot]+=" $(seconds layerfs_aot image import image --root store-aot --progress quiet)"

  # commit: the same change, made in an umoci bundle and in a layerfs container (through the kernel's overlay on
  # the container's own layers, with the options 'container mount' gives 'layerfs mount')
  umoci unpack --image image:base bundle2 >/dev/null
  (cd bundle2/rootfs && bash -c "$change")
  t[umoci_repack]+=" $(seconds umoci repack --image image:next bundle2)"
  umoci rm --image image:next && umoci gc --layout image
  layerfs container create image:base c --root store >/dev/null
  opts=$(layerfs container ls --json --root store | grep -o '"mountOptions" : "[^"]*"' | cut -d'"' -f4)
  mkdir -p mnt-c && mount -t overlay overlay -o "$opts" mnt-c
  (cd mnt-c && bash -c "$change")
  umount mnt-c
  t[layerfs_commit]+=" $(logged commit.log layerfs commit c image:next --root store --progress plain)"
  t[layerfs_commit_work]+=" $(worktime commit.log committing)"
  layerfs_aot container create image:base c --root store-aot >/dev/null
  mkdir -p mnt-c && mount -t overlay overlay -o "$(layerfs_aot container ls --json --root store-aot | \
    grep -o '"mountOptions" : "[^"]*"' | cut -d'"' -f4)" mnt-c
  (cd mnt-c && bash -c "$change")
  umount mnt-c
  t[layerfs_commit_aot]+=" $(seconds layerfs_aot commit c image:next --root store-aot --progress quiet)"

  t[skopeo_oci]+=" $(seconds skopeo copy oci:image:base oci:out-skopeo:base)"
  t[layerfs_oci]+=" $(seconds layerfs image export image:base out-layerfs --root store --progress quiet)"
  t[skopeo_docker]+=" $(seconds skopeo copy oci:image:base docker-archive:skopeo.tar:image:base)"
  t[layerfs_docker]+=" $(seconds layerfs image export image:base layerfs.tar --format docker-archive --root store --progress quiet)"
done
t[jvm]=$( (time -p layerfs --version >/dev/null) 2>&1 | awk '/real/ {print $2}')
t[launcher]=$( (time -p "$here/layerfs" --version >/dev/null) 2>&1 | awk '/real/ {print $2}')

echo "== disk used by $containers containers of one image" >&2
rm -rf store unpacked-*
layerfs image import image --root store --progress quiet >/dev/null
for i in $(seq "$containers"); do
  layerfs container create image:base "c$i" --root store >/dev/null
  umoci unpack --image image:base "unpacked-$i" >/dev/null
done
sync
store_bytes=$(du -sb store/layers store/containers store/empty | awk '{s+=$1} END {print s}')
copies_bytes=$(du -sbc unpacked-* | tail -1 | cut -f1)
saved=$(layerfs df --json --root store | grep -o '"savedBytes" : [0-9]*' | grep -o '[0-9]*$')

cell() { if [ -n "${1:-}" ] && [ -n "${t[$1]:-}" ]; then fmt "$(median ${t[$1]})"; else echo "–"; fi; }
row() {  # row STEP LAYERFS OTHER WHAT [WORK] [AOT]
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$(cell "$2")" "$(cell "${5:-}")" "$(cell "${6:-}")" \
    "$(cell "$3")" "$4"
}
report=$(cat <<EOF
Image: debootstrap --variant=$variant $suite, $files files, $((size / 1000000)) MB, one layer of $((layer_blob / 1000000)) MB
(gzip). Median of $runs runs, the tools taking turns; each step starts and ends with \`sync\` (layerfs syncs what
it publishes, so the others are timed to the same point). layerfs runs as \`java -cp … dev.layerfs.cli.Main\`
(the launcher's JVM); "its work" is the time layerfs itself reports for unpacking or committing, without the JVM's
start-up, picocli and Jackson (\`layerfs --version\` alone takes $(fmt "${t[jvm]}"); the \`./layerfs\` launcher's JDK lookup
adds $(fmt "$(echo "${t[launcher]} - ${t[jvm]}" | bc)")). "AOT cache" is the same JVM with \`-XX:AOTCache\` (JDK 25), trained
once on a commit.
$(nproc) CPUs, $(uname -r), $(df -T "$work" | awk 'NR==2 {print $2}') on $(df "$work" | awk 'NR==2 {print $1}').

| step | layerfs | its work | layerfs, AOT cache | umoci / skopeo | what both do |
| --- | --- | --- | --- | --- | --- |
$(row "import" layerfs_import umoci_unpack "layerfs image import (verify, store the blob, unpack into the layer store) vs umoci unpack" layerfs_import_work layerfs_import_aot)
$(row "commit" layerfs_commit umoci_repack "layerfs commit (diff, gzip, unpack the new layer) vs umoci repack, same change" layerfs_commit_work layerfs_commit_aot)
$(row "export OCI layout" layerfs_oci skopeo_oci "layerfs image export vs skopeo copy oci: oci:")
$(row "export docker-archive" layerfs_docker skopeo_docker "layerfs image export --format docker-archive vs skopeo copy oci: docker-archive:")

| disk | bytes |
| --- | --- |
| $containers containers in the layer store (layers + uppers) | $((store_bytes / 1000000)) MB |
| $containers copies unpacked by umoci | $((copies_bytes / 1000000)) MB |
| \`layerfs df\` "saved": what the image and its $containers containers would take with a copy of the layers each, minus the one shared copy | $((saved / 1000000)) MB |
EOF
)
echo
echo "$report"
echo "$report" > "$here/bench/results/oci-$(date +%Y%m%d-%H%M%S).md"
