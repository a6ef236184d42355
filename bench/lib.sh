# Helpers of the benchmarks, sourced by bench/oci.sh and bench/registry.sh once $here is the checkout.

# The JDK and the CLI jar (built when missing): sets JAVA_HOME and jar.
JAVA_HOME=$("$here/scripts/java-home")
jar=$(ls "$here"/layerfs-cli/target/layerfs-cli-*.jar 2>/dev/null | grep -v -e sources -e tests | head -1 || true)
if [ -z "$jar" ]; then
  (cd "$here" && MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow" JAVA_HOME=$JAVA_HOME mvn -q -B -DskipTests package)
  jar=$(ls "$here"/layerfs-cli/target/layerfs-cli-*.jar | grep -v -e sources -e tests | head -1)
fi

# seconds COMMAND...: runs the command after a sync, ending with a sync (layerfs syncs what it publishes; the
# others get the same), and prints the elapsed seconds.
seconds() {
  sync
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  sync
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
# logged LOG COMMAND...: like seconds, keeping the command's stderr (its --progress plain lines) in LOG.
logged() {
  local log=$1
  shift
  sync
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>"$log"
  sync
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
fmt() { printf '%.2f s' "$1"; }
