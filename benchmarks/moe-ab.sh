#!/usr/bin/env bash
# A/B of two ltm-lora builds on MoeBench, processes alternated (each measures its own limits):
#   [THREADS=2] benchmarks/moe-ab.sh A.jar B.jar [prefill|decode] [prompt tokens] [rounds] [decoded tokens]
# Make the jars with `mvn -o -DskipTests package -pl ltm-lora -am` on each version and copy
# ltm-lora/target/ltm-lora-*.jar aside; build the benchmarks once (benchmarks/run does). The jar comes
# first on the class path, so it replaces the tree's ltm-lora. Same JVM options as docs/moe.md, in ./ltm's
# environment (ltm-env.sh); THREADS (default 1) sets libtorch's and OpenMP's threads.
set -euo pipefail
a="$1"; b="$2"; mode="${3:-prefill}"; tokens="${4:-256}"; rounds="${5:-3}"; new="${6:-24}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source "$root/ltm-env.sh"
threads="${THREADS:-1}"
cp="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
for r in $(seq 1 "$rounds"); do
  for v in A B; do
    jar="$a"; [[ "$v" == B ]] && jar="$b"
    uptime | sed "s/^/[$v round $r] /"
    OMP_NUM_THREADS="$threads" java "${LTM_JAVA_DEFAULTS[@]}" -Xmx1g \
      -Dai.djl.pytorch.num_threads="$threads" -cp "$jar:$cp" io.ltm.bench.MoeBench --layers 1 --vocab 16384 --prefill "$tokens" \
      --only "$mode" --new "$new" 2>&1 | grep -E "^\| |prefill [0-9]+ tokens:|decode:" | sed "s/^/[$v round $r] /"
  done
done
