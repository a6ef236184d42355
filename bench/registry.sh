#!/usr/bin/env bash
# Registry benchmark: push and pull of a multi-layer image to a docker-registry on loopback with layerfs, side by
# side in one run with skopeo doing the same transfer. Not a test: it prints a Markdown table (also saved under
# bench/results/).
#
#   sudo bench/registry.sh                   # BENCH_RUNS=5 runs per step, median shown
#   BENCH_RUNS=3 BENCH_MB=200 sudo bench/registry.sh
#   BASELINE=/path/to/other/checkout sudo bench/registry.sh   # adds that build (its layerfs-cli/target) as a column,
#                                                             # run in turn with this one: an A/B in one run
#
# Needs root (as the other benchmarks; the store keeps owners), docker-registry, skopeo, umoci and a JDK >= 25.
# Each run starts a fresh registry (empty storage, new port), so that no tool can mount or skip a blob seen in an
# earlier run; the two tools push to different repositories and take turns at going first.
set -euo pipefail
export LANG=C.UTF-8 LC_ALL=C.UTF-8
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
runs=${BENCH_RUNS:-5}
total_mb=${BENCH_MB:-300}
layers=${BENCH_LAYERS:-5}

[ "$(id -u)" = 0 ] || { echo "bench/registry.sh: run as root" >&2; exit 1; }
for tool in skopeo umoci docker-registry curl gzip; do
  command -v "$tool" >/dev/null || { echo "bench/registry.sh: needs $tool" >&2; exit 1; }
done

source "$here/bench/lib.sh"
layerfs() { "$here/layerfs" "$@"; }  # as users run it: the launcher, with its class-data archives
baseline=${BASELINE:-}
if [ -n "$baseline" ]; then
  baseline=$(cd "$baseline" && pwd)
fi
layerfs_base() { "$baseline/layerfs" "$@"; }

work=$(mktemp -d /var/tmp/layerfs-registry-bench.XXXXXX)
registry_pid=
stop_registry() {
  if [ -n "$registry_pid" ]; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
    registry_pid=
  fi
}
cleanup() { stop_registry; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$here/bench/results"
cd "$work"

# start_registry: a docker-registry with empty storage on a free loopback port; sets $registry (host:port).
start_registry() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  rm -rf registry-data
  cat > registry.yml <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry-data}}
http: {addr: 127.0.0.1:$port, secret: bench}
EOF
  docker-registry serve registry.yml >registry.log 2>&1 &
  registry_pid=$!
  registry=127.0.0.1:$port
  for _ in $(seq 100); do
    curl -fs "http://$registry/v2/" >/dev/null && return 0
    sleep 0.1
  done
  echo "bench/registry.sh: docker-registry did not start:" >&2
  cat registry.log >&2
  exit 1
}

# transfer LOG: the seconds layerfs reports for the transfer itself (its last line), without JVM start-up.
transfer() { sed -n 's/.* bytes \(received\|sent\), .* in \([0-9.]*\) s, digest .*/\2/p' "$1" | tail -1; }

echo "== generating $layers layers, $total_mb MB in all" >&2
mkdir -p image/blobs/sha256
printf '{"imageLayoutVersion":"1.0.0"}' > image/oci-layout
layer_json=
diff_ids=
for i in $(seq "$layers"); do
  # layer i gets a share proportional to i: a large base at the bottom, smaller layers above, as real images have
  mb=$((total_mb * 2 * (layers - i + 1) / (layers * (layers + 1))))
  dir=rootfs-$i
  mkdir -p "$dir/usr/lib/l$i" "$dir/usr/share/doc/l$i" "$dir/etc"
  echo "layer $i" > "$dir/etc/layer-$i"
  # half incompressible (binaries, compressed data), half text-like (compresses about 4:3), in files of 1 MB and
  # 64 kB as package contents are
  for f in $(seq $((mb / 2))); do head -c 1048576 /dev/urandom > "$dir/usr/lib/l$i/lib$f.so"; done
  for f in $(seq $((mb * 8))); do head -c 49152 /dev/urandom | base64 > "$dir/usr/share/doc/l$i/doc$f.txt"; done
  tar --sort=name --numeric-owner -C "$dir" -cf layer.tar .
  diff_id=$(sha256sum layer.tar | cut -d' ' -f1)
  gzip -1 -c layer.tar > layer.tar.gz
  digest=$(sha256sum layer.tar.gz | cut -d' ' -f1)
  size=$(stat -c %s layer.tar.gz)
  mv layer.tar.gz "image/blobs/sha256/$digest"
  rm -rf layer.tar "$dir"
  layer_json+="${layer_json:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$size}"
  diff_ids+="${diff_ids:+,}\"sha256:$diff_id\""
done
config='{"architecture":"amd64","config":{},"os":"linux","rootfs":{"diff_ids":['"$diff_ids"'],"type":"layers"}}'
config_digest=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
printf '%s' "$config" > "image/blobs/sha256/$config_digest"
manifest='{"config":{"digest":"sha256:'"$config_digest"'","mediaType":"application/vnd.oci.image.config.v1+json","size":'"${#config}"'},"layers":['"$layer_json"'],"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2}'
manifest_digest=$(printf '%s' "$manifest" | sha256sum | cut -d' ' -f1)
printf '%s' "$manifest" > "image/blobs/sha256/$manifest_digest"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' \
  "$manifest_digest" "${#manifest}" > image/index.json
blob_bytes=$(du -cb image/blobs/sha256/* | tail -1 | cut -f1)
layerfs image import image --root source --progress quiet >/dev/null
start_registry
# One push and one pull first: the launchers make their per-command archives.
layerfs push image:1 "$registry/train/app:1" --root source --progress quiet >/dev/null
layerfs pull "$registry/train/app:1" --root train --progress quiet >/dev/null
rm -rf train
if [ -n "$baseline" ]; then
  layerfs_base push image:1 "$registry/train/app:1" --root source --progress quiet >/dev/null
  layerfs_base pull "$registry/train/app:1" --root train --progress quiet >/dev/null
  rm -rf train
fi
stop_registry

declare -A t
for run in $(seq "$runs"); do
  echo "== run $run of $runs" >&2
  start_registry
  rm -rf pulled-store pulled-store-base pulled-oci pulled-bundle
  push_layerfs() {
    t[push_layerfs]+=" $(logged push.log layerfs push image:1 "$registry/layerfs/app:1" --root source --progress plain)"
    t[push_layerfs_work]+=" $(transfer push.log)"
  }
  push_skopeo() {
    t[push_skopeo]+=" $(logged skopeo.log skopeo --insecure-policy copy --dest-tls-verify=false oci:image:1 \
      "docker://$registry/skopeo/app:1")"
  }
  pull_layerfs() {
    t[pull_layerfs]+=" $(logged pull.log layerfs pull "$registry/skopeo/app:1" --root pulled-store --progress plain)"
    t[pull_layerfs_work]+=" $(transfer pull.log)"
  }
  push_base() {
    [ -n "$baseline" ] || return 0
    t[push_base]+=" $(logged push-base.log layerfs_base push image:1 "$registry/layerfs-base/app:1" --root source \
      --progress plain)"
    t[push_base_work]+=" $(transfer push-base.log)"
  }
  pull_base() {
    [ -n "$baseline" ] || return 0
    t[pull_base]+=" $(logged pull-base.log layerfs_base pull "$registry/skopeo/app:1" --root pulled-store-base \
      --progress plain)"
    t[pull_base_work]+=" $(transfer pull-base.log)"
  }
  pull_skopeo() {
    t[pull_skopeo]+=" $(logged skopeo.log skopeo --insecure-policy copy --src-tls-verify=false \
      "docker://$registry/skopeo/app:1" oci:pulled-oci:1)"
    t[unpack_umoci]+=" $(seconds umoci unpack --image pulled-oci:1 pulled-bundle)"
  }
  if [ $((run % 2)) = 1 ]; then
    push_layerfs; push_base; push_skopeo; pull_layerfs; pull_base; pull_skopeo
  else
    push_skopeo; push_base; push_layerfs; pull_skopeo; pull_base; pull_layerfs
  fi
  grep -q "blob bytes sent" push.log || { cat push.log >&2; exit 1; }
  grep -q "layer bytes received" pull.log || { cat pull.log >&2; exit 1; }
  stop_registry
done
t[jvm]=$( (time -p layerfs --version >/dev/null) 2>&1 | awk '/real/ {print $2}')

cell() { fmt "$(median ${t[$1]})"; }
ratio() { echo "scale=2; $(median ${t[$1]}) / $(median ${t[$2]})" | bc; }
sum() { fmt "$(echo "$(median ${t[$1]}) + $(median ${t[$2]})" | bc)"; }
ratio_sum() { echo "scale=2; $(median ${t[$1]}) / ($(median ${t[$2]}) + $(median ${t[$3]}))" | bc; }
report=$(cat <<EOF
Image: $layers layers, $total_mb MB uncompressed in 1 MB random files and 64 kB base64 text files, $((blob_bytes / 1000000)) MB of
gzip blobs. Median of $runs runs, a fresh docker-registry $(dpkg-query -W -f='${Version}' docker-registry 2>/dev/null) (filesystem
storage in $work) on loopback for each run, the tools taking turns at going first; each step starts and ends with \`sync\`.
layerfs runs through its launcher (\`./layerfs\`, with the per-command AppCDS archive the training runs made); "its transfer" is the time its last progress line reports, from
the manifest to the last blob (and, for pull, the last layer unpacked), without JVM start-up (\`layerfs --version\`
alone takes $(fmt "${t[jvm]}")).
skopeo $(skopeo --version | awk '{print $3}'), $(nproc) CPUs, $(uname -r), $(df -T "$work" | awk 'NR==2 {print $2}').

| step | layerfs | its transfer | skopeo | layerfs / skopeo | what both do |
| --- | --- | --- | --- | --- | --- |
| push | $(cell push_layerfs) | $(cell push_layerfs_work) | $(cell push_skopeo) | $(ratio push_layerfs push_skopeo) | \`layerfs push\` from its store vs \`skopeo copy oci:… docker://…\`, to an empty repository |
| pull | $(cell pull_layerfs) | $(cell pull_layerfs_work) | $(cell pull_skopeo) | $(ratio pull_layerfs pull_skopeo) | \`layerfs pull\` into an empty store (download, verify, **unpack** each layer) vs \`skopeo copy docker://… oci:…\` into an empty directory (download, verify) |
| pull and unpack | $(cell pull_layerfs) | $(cell pull_layerfs_work) | $(sum pull_skopeo unpack_umoci) | $(ratio_sum pull_layerfs pull_skopeo unpack_umoci) | the same \`layerfs pull\` vs that \`skopeo copy\` followed by \`umoci unpack\` of the image (median of each) |
EOF
)
if [ -n "$baseline" ]; then
  report+=$(cat <<EOF


Baseline: $baseline ($(git -C "$baseline" rev-parse --short HEAD 2>/dev/null || echo "?")), through its own launcher, run in turn with this
build ($(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$here" diff --quiet HEAD 2>/dev/null || echo ', with changes')) in every run.

| step | layerfs | its transfer | baseline | its transfer | layerfs / baseline |
| --- | --- | --- | --- | --- | --- |
| push | $(cell push_layerfs) | $(cell push_layerfs_work) | $(cell push_base) | $(cell push_base_work) | $(ratio push_layerfs push_base) |
| pull | $(cell pull_layerfs) | $(cell pull_layerfs_work) | $(cell pull_base) | $(cell pull_base_work) | $(ratio pull_layerfs pull_base) |
EOF
)
fi
report+=$'\n\n'"Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "$report"
echo "$report" > "$here/bench/results/registry-$(date +%Y%m%d-%H%M%S).md"
