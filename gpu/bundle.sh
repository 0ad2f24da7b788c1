#!/usr/bin/env bash
# Assembles what ltm needs on a CUDA machine that has PyTorch but no JDK and no network (the GPU machine this
# project is lent), into the ignored folder .gpu-bundle/ (about 45 MB, under the 64 MiB that travels):
#   jdk.tar.xz       a jlink'd, trimmed Java 17 runtime, with the JDK's C headers (include/) for the JNI build
#   jars/            ltm's jars and their dependencies, without the CPU libtorch, the CPU JNI and the ONNX
#                    embedding model (the tokenizers jar keeps its linux-x86_64 library only)
#   djl-src.tar.xz   DJL 0.36.0's PyTorch JNI source (engines/pytorch/pytorch-native, api/src/main/native) with
#                    the JNI header generated here (javac -h), ready for cmake against that machine's libtorch
#   run.sh           on the machine: builds the JNI (gpu/build-jni.sh), then runs gpu/prove.sh with this runtime
# Usage: gpu/bundle.sh [DJL_GIT_DIR]   (DJL_GIT_DIR: a clone of github.com/deepjavalibrary/djl with tag v0.36.0;
#        default /work/.mirror/deepjavalibrary+djl/repo). Needs a JDK 17 with jmods (jlink) and mvn.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
djl_git="${1:-/work/.mirror/deepjavalibrary+djl/repo}"
djl_tag="v0.36.0"
out="$root/.gpu-bundle"
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
[[ -d "$java_home/jmods" ]] || { echo "bundle: $java_home has no jmods/ (jlink needs a full JDK 17)" >&2; exit 2; }
git --git-dir="$djl_git" rev-parse -q --verify "$djl_tag^{commit}" >/dev/null \
  || { echo "bundle: $djl_git has no tag $djl_tag (clone github.com/deepjavalibrary/djl)" >&2; exit 2; }

echo "bundle: building ltm (mvn package, no tests)" >&2
(cd "$root" && mvn -B -q -o -DskipTests package >/dev/null 2>&1 || mvn -B -q -DskipTests package)

rm -rf "$out" && mkdir -p "$out/jars"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

# --- jars: ltm's own, the benchmarks' classes, and the dependencies minus what a GPU run does not load ---
cp "$root"/ltm-*/target/ltm-*-0.1.0-SNAPSHOT.jar "$out/jars/"
(cd "$root/benchmarks/target/classes" && "$java_home/bin/jar" cf "$out/jars/ltm-benchmarks.jar" .)
tr ':' '\n' < "$root/ltm-examples/target/classpath.txt" | grep -v "^$root/" \
  | grep -v -e pytorch-native-cpu -e '/pytorch-jni-' -e '/onnxruntime-' -e 'langchain4j-embeddings-all-minilm' \
  | while read -r f; do
      case "$(basename "$f")" in
        tokenizers-*.jar) # keep the linux-x86_64 native library only (the jar carries five platforms)
          mkdir -p "$tmp/tok" && (cd "$tmp/tok" && unzip -q -o "$f" && rm -rf native/lib/osx-* native/lib/win-* native/lib/linux-aarch64 \
            && "$java_home/bin/jar" cf "$out/jars/$(basename "$f")" .) ;;
        *) cp "$f" "$out/jars/" ;;
      esac
    done
grep -h -o 'slf4j-simple[^:]*\.jar' "$root/benchmarks/target/classpath.txt" >/dev/null 2>&1 \
  && cp "$(tr ':' '\n' < "$root/benchmarks/target/classpath.txt" | grep slf4j-simple | head -1)" "$out/jars/" 2>/dev/null || true

# --- a trimmed Java runtime; the JDK's include/ rides along for cmake's FindJNI on that machine ---
"$java_home/bin/jlink" --add-modules java.base,java.logging,java.management,java.naming,java.xml,java.sql,jdk.unsupported,jdk.incubator.vector,java.net.http,jdk.crypto.ec \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$tmp/jdk" 2>/dev/null
cp -r "$java_home/include" "$tmp/jdk/include"
tar -C "$tmp" -cJf "$out/jdk.tar.xz" jdk

# --- DJL's JNI source at the same version as the jars, with the JNI header generated here ---
mkdir -p "$tmp/djl"
git --git-dir="$djl_git" archive "$djl_tag" engines/pytorch/pytorch-native api/src/main/native | tar -C "$tmp/djl" -x
mkdir -p "$tmp/djl/engines/pytorch/pytorch-native/build/include" "$tmp/hdr"
git --git-dir="$djl_git" show "$djl_tag:engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java" > "$tmp/hdr/PyTorchLibrary.java"
"$java_home/bin/javac" -h "$tmp/djl/engines/pytorch/pytorch-native/build/include" -d "$tmp/hdr" \
  -cp "$(ls "$out"/jars/api-0.36.0.jar):$(ls "$out"/jars/pytorch-engine-0.36.0.jar)" "$tmp/hdr/PyTorchLibrary.java"
tar -C "$tmp/djl" -cJf "$out/djl-src.tar.xz" .

# --- the machine-side entry point ---
cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# On the GPU machine, from the repository root: bash .gpu-bundle/run.sh  (writes its results under $OUT or out/)
set -uo pipefail
b="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${LTM_GPU_WORK:-/tmp/ltm-gpu}"; mkdir -p "$work"
res="${OUT:-$PWD/out}"; mkdir -p "$res"
[[ -x "$work/jdk/bin/java" ]] || tar -C "$work" -xJf "$b/jdk.tar.xz"
[[ -d "$work/djl" ]] || { mkdir -p "$work/djl" && tar -C "$work/djl" -xJf "$b/djl-src.tar.xz"; }
export JAVA_HOME="$work/jdk"
bash gpu/build-jni.sh "$work/djl" "$work/djl-cache" 2>&1 | tee "$res/jni-build.log" | tail -25
[[ "${PIPESTATUS[0]}" == 0 ]] || { echo "run.sh: the JNI build failed (log: jni-build.log)"; exit 1; }
source "$work/djl-cache/env.sh"
LTM_JAVA="$JAVA_HOME/bin/java" LTM_CLASSPATH="$b/jars/*" bash gpu/prove.sh "$res"
RUN
chmod +x "$out/run.sh"
du -sh "$out"; du -sh "$out"/* | sort -h | tail -5
echo "bundle: ready in $out; travels with the working tree (git ls-files: $(cd "$root" && git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1) bytes)" >&2
