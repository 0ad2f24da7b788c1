#!/usr/bin/env bash
# The GPU proof, runnable on any CUDA machine with a JDK 17 and ltm built (or with gpu/bundle.sh's bundle):
#   1. the card (nvidia-smi) and the limits torch measures on it: f16/bf16 matmul 8192^3 and a device copy;
#   2. ltm doctor --device cuda --json (libtorch, devices, score and LoRA training vs the CPU, speed, memory);
#   3. DeviceBench: Qwen3-0.6B- and 1.7B-shaped random models at 2048 tokens: training tokens/s and MFU
#      against torch's matmul limit and DJL's, LoRA overhead, gradient checkpointing, decode ms/token against
#      the weights-read floor, device memory against ltm plan;
#   4. Bf16Probe in its own JVM: can this JNI hold bf16 on the card (the stock DJL 0.36.0 JNI aborts);
#   5. device memory sampled by nvidia-smi every 200 ms throughout (peak in summary.txt).
# Usage: gpu/prove.sh [RESULTS_DIR]   (default gpu-results/; at most 7 files: summary.txt, torch-limits.txt,
#   doctor.json, device-bench.md, nvsmi-memory-mib.txt, java.log, and run.sh's jni-build.log). Environment: LTM_JAVA (default java),
#   LTM_CLASSPATH (default: the reactor's jars; build with mvn -DskipTests package, or -Pcuda to let DJL
#   download a CUDA libtorch once), PYTORCH_LIBRARY_PATH/PYTORCH_VERSION/PYTORCH_FLAVOR to use a local libtorch
#   (gpu/build-jni.sh writes them), LTM_SHAPES (default 0.6b,1.7b), LTM_SEQ (default 2048).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
res="${1:-$root/gpu-results}"; mkdir -p "$res"
java="${LTM_JAVA:-java}"
cp="${LTM_CLASSPATH:-$root/ltm-examples/target/ltm-examples-0.1.0-SNAPSHOT.jar:$(cat "$root/ltm-examples/target/classpath.txt" 2>/dev/null):$root/benchmarks/target/classes}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" LC_ALL="${LC_ALL:-C.UTF-8}"
# JNA (DJL's CudaUtils) looks for libcudart by name: add pip's CUDA runtime folder when there is one
cudart="$(python3 -c 'import nvidia.cuda_runtime, os; print(os.path.join(list(nvidia.cuda_runtime.__path__)[0], "lib"))' 2>/dev/null || true)"
jna_dir="${TMPDIR:-/tmp}/ltm-cudart"; mkdir -p "$jna_dir"
if [[ -n "$cudart" ]]; then # pip ships libcudart.so.N only; JNA asks for libcudart.so
  ln -sf "$(ls "$cudart"/libcudart.so.* | head -1)" "$jna_dir/libcudart.so"
  export LD_LIBRARY_PATH="$cudart:${LD_LIBRARY_PATH:-}"
fi
jopts=(-Xmx32g -Djna.library.path="$jna_dir" --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=1000000 --add-exports java.base/jdk.internal.vm.vector=ALL-UNNAMED -Dai.djl.offline=true -Dfile.encoding=UTF-8 -cp "$cp")
summary="$res/summary.txt"; : > "$summary"
say() { echo "$*" | tee -a "$summary"; }

say "== card"; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | tee -a "$summary"
nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$res/nvsmi-memory-mib.txt" 2>/dev/null &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT

say "== torch limits (same machine, same run)"
python3 - > "$res/torch-limits.txt" 2>&1 <<'PY'
import torch, time
d = torch.device("cuda")
def mm(dt, n=8192, reps=10):
    a = torch.randn(n, n, device=d, dtype=dt); b = torch.randn(n, n, device=d, dtype=dt)
    for _ in range(3): a @ b
    torch.cuda.synchronize(); t = time.perf_counter()
    for _ in range(reps): a @ b
    torch.cuda.synchronize(); return 2 * n ** 3 * reps / (time.perf_counter() - t) / 1e12
def copy(nbytes=2 << 30, reps=10):
    a = torch.empty(nbytes // 4, device=d); b = torch.empty_like(a)
    for _ in range(3): b.copy_(a)
    torch.cuda.synchronize(); t = time.perf_counter()
    for _ in range(reps): b.copy_(a)
    torch.cuda.synchronize(); return 2 * nbytes * reps / (time.perf_counter() - t) / 1e9
print(f"torch {torch.__version__} cuda {torch.version.cuda} {torch.cuda.get_device_name(0)}")
print(f"F16_TFLOPS={mm(torch.float16):.1f}")
print(f"BF16_TFLOPS={mm(torch.bfloat16):.1f}")
print(f"COPY_GBPS={copy():.0f}")
PY
cat "$res/torch-limits.txt" | tee -a "$summary"
f16="$(sed -n 's/^F16_TFLOPS=//p' "$res/torch-limits.txt")"; copy="$(sed -n 's/^COPY_GBPS=//p' "$res/torch-limits.txt")"

say "== ltm doctor --device cuda"
timeout 180 "$java" "${jopts[@]}" io.ltm.cli.LtmCli doctor --device cuda --work /tmp/ltm-doctor --json > "$res/doctor.json" 2>> "$res/java.log"
say "exit $?"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for c in r["checks"]:
    print(f"[{c[\"status\"]}] {c[\"name\"]}: {c[\"summary\"]}" + (f"\n       fix: {c[\"fix\"]}" if c["fix"] else ""))
' "$res/doctor.json" 2>&1 | tee -a "$summary" || tail -20 "$res/java.log" | tee -a "$summary"

say "== DeviceBench (training and decode at ${LTM_SEQ:-2048} tokens)"
timeout 300 "$java" "${jopts[@]}" io.ltm.bench.DeviceBench --device cuda --shapes "${LTM_SHAPES:-0.6b,1.7b}" --seq "${LTM_SEQ:-2048}" \
  --steps 3 --dir /tmp/ltm-device-bench --torch-matmul-tflops "${f16:-0}" --torch-copy-gbps "${copy:-0}" \
  --out "$res/device-bench.md" 2>> "$res/java.log"
say "exit $?"; cat "$res/device-bench.md" 2>/dev/null | tee -a "$summary" || tail -20 "$res/java.log" | tee -a "$summary"

say "== bf16 on the card (own JVM: the stock DJL JNI aborts on bf16)"
timeout 40 "$java" "${jopts[@]}" io.ltm.bench.Bf16Probe cuda > "$res/bf16.txt" 2>&1
rc=$?; cat "$res/bf16.txt" >> "$res/java.log"
say "exit $rc $(grep -h -e 'bf16 on' -e terminate "$res/bf16.txt" | head -2)"; rm -f "$res/bf16.txt"

kill $sampler 2>/dev/null; sleep 0.3
say "== peak device memory seen by nvidia-smi: $(sort -n "$res/nvsmi-memory-mib.txt" 2>/dev/null | tail -1) MiB"
