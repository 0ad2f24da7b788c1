#!/usr/bin/env bash
# Builds DJL 0.36.0's PyTorch JNI (libdjl_torch.so) against the PyTorch that `python3` imports, for a machine
# where DJL cannot download its JNI (no network) or where no prebuilt JNI matches that libtorch (e.g.
# PyTorch 2.11 + CUDA 13). Needs cmake, a C++17 compiler, a JDK's include/ (JAVA_HOME) and, for CUDA, the
# CUDA toolkit headers (nvcc's). Writes CACHE/pytorch/<version>-<flavor>-linux-x86_64/0.36.0-libdjl_torch.so
# (where DJL looks first) and CACHE/env.sh, which sets PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, PYTORCH_FLAVOR
# and ENGINE_CACHE_DIR for `java` so that DJL loads that libtorch with this JNI, offline.
# Usage: gpu/build-jni.sh DJL_SRC CACHE   (DJL_SRC: DJL's source tree at v0.36.0, at least engines/pytorch/
#        pytorch-native and api/src/main/native; gpu/bundle.sh packs one with the JNI header already made)
# LTM_DJL_BF16=0 skips the two-line patch that lets the JNI hand bf16 tensors to Java (DJL 0.36.0's dtype
# switch has no bf16 case and calls std::terminate; DataType.BFLOAT16 is ordinal 11 on the Java side).
set -euo pipefail
src="$(cd "$1" && pwd)"; cache="$(mkdir -p "$2" && cd "$2" && pwd)"
py="${PYTHON:-python3}"
need() { command -v "$1" >/dev/null || { echo "build-jni: $1 not found: $2" >&2; exit 2; }; }
need "$py" "a Python with PyTorch is what this JNI is built against"
need cmake "install cmake (pip install cmake works offline only with a wheel at hand)"
need c++ "install a C++17 compiler (g++)"
[[ -n "${JAVA_HOME:-}" && -f "$JAVA_HOME/include/jni.h" ]] || { echo "build-jni: JAVA_HOME must point at a JDK with include/jni.h" >&2; exit 2; }
read -r torch_lib torch_ver cuda prefix < <("$py" -c '
import os, torch
print(os.path.join(os.path.dirname(torch.__file__), "lib"), torch.__version__.split("+")[0],
      (torch.version.cuda or "").replace(".", ""), torch.utils.cmake_prefix_path)')
flavor="cpu"; use_cuda=""
if [[ -n "$cuda" ]]; then flavor="cu$cuda"; use_cuda=1; fi
dest="$cache/pytorch/$torch_ver-$flavor-linux-x86_64"
echo "build-jni: libtorch $torch_ver ($flavor) in $torch_lib; JNI into $dest"
if [[ ! -f "$dest/0.36.0-libdjl_torch.so" ]]; then
  native="$src/engines/pytorch/pytorch-native"
  if [[ "${LTM_DJL_BF16:-1}" == 1 ]] && ! grep -q kBFloat16 "$native/src/main/native/djl_pytorch_utils.h"; then
    python3 - "$native/src/main/native/djl_pytorch_utils.h" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("  } else if (torch::kComplexFloat == type) {\n    return 8;\n",
              "  } else if (torch::kComplexFloat == type) {\n    return 8;\n  } else if (torch::kBFloat16 == type) {\n    return 11;\n", 1)
s = s.replace("    case 8:\n      return torch::kComplexFloat;\n",
              "    case 8:\n      return torch::kComplexFloat;\n    case 11:\n      return torch::kBFloat16;\n", 1)
open(p, "w").write(s)
PY
    echo "build-jni: patched djl_pytorch_utils.h for bf16 (DataType ordinal 11)"
  fi
  mkdir -p "$native/build/include"
  if [[ ! -f "$native/build/include/ai_djl_pytorch_jni_PyTorchLibrary.h" ]]; then
    echo "build-jni: the JNI header is missing; generate it where javac is (gpu/bundle.sh does)" >&2; exit 2
  fi
  cd "$native/build"
  cmake_args=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release)
  [[ -n "$use_cuda" ]] && cmake_args+=(-DUSE_CUDA=1)
  [[ -n "$use_cuda" && -z "${CUDACXX:-}" ]] && command -v nvcc >/dev/null && export CUDACXX="$(command -v nvcc)"
  cmake "${cmake_args[@]}" ..
  cmake --build . --config Release -- -j "$(nproc)"
  mkdir -p "$dest"
  cp libdjl_torch.so "$dest/0.36.0-libdjl_torch.so"
fi
cat > "$cache/env.sh" <<ENV
export PYTORCH_LIBRARY_PATH="$torch_lib"
export PYTORCH_VERSION="$torch_ver"
export PYTORCH_FLAVOR="$flavor"
export ENGINE_CACHE_DIR="$cache"
ENV
echo "build-jni: done; source $cache/env.sh before java"
