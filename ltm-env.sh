# The process environment for ltm's JVM and native code, sourced by ./ltm and benchmarks/run (not run on its own).
# Each setting is a default: a value already in the environment wins. Figures: docs/engine.md "Memory pages".

# The JVM options every launcher starts java with, before the user's own (LTM_JAVA_OPTS, LTM_BENCH_JAVA_OPTS),
# which therefore win: DJL offline, UTF-8, the Vector API for the decode kernels, and a per-method trap limit
# that keeps C2 compiling those kernels with their vectors in registers. With HotSpot's default (100), C2 adds up
# the type-check traps of every Vector API method it inlines into a kernel (the JDK's own lanewise methods, which
# any interpreted caller can make trap); past 100 it stops speculating and the kernel comes out with its vectors
# boxed: the f16 attention kernel 12x to 190x slower per call (docs/engine.md, "A trap limit for the kernels").
# The export gives the kernels JDK 17's vector load intrinsic itself, so that their loads from the weights and the
# KV cache compile without the barriers fromByteBuffer brings (docs/engine.md, "Loads without barriers").
LTM_JAVA_DEFAULTS=(-Dai.djl.offline=true -Dfile.encoding=UTF-8 --add-modules jdk.incubator.vector
  -XX:PerMethodTrapLimit=1000000 --add-exports java.base/jdk.internal.vm.vector=ALL-UNNAMED)

# Java reads file names in the locale's encoding: without UTF-8, Russian note names break.
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
  *[Uu][Tt][Ff]-8*|*[Uu][Tt][Ff]8*) ;;
  *) export LC_ALL=C.UTF-8 ;;
esac

# libtorch's OpenMP threads spin at every barrier by default; on a machine shared with other work
# that made decoding several times slower here. Passive waiting costs little when the machine is idle.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

# Huge pages for the weights. Decoding on the CPU streams every weight once per token; with 4 KiB pages
# that stream misses the TLB every 4 KiB. libtorch puts each allocation of 2 MiB or more on 2 MiB pages
# when THP_MEM_ALLOC_ENABLE=1 (it asks the kernel with madvise, which the kernel's default "madvise" mode
# of transparent huge pages grants), and glibc gives each allocation of 4 MiB or more a mapping of its
# own (mmap_threshold), so that a freed tensor goes back to the kernel instead of staying, on huge pages,
# in malloc's arenas: without it the weights' peak memory at load grew from 1.2x to 1.5x. Measured on
# Qwen3-0.6B in f32, one thread: decode 1.2x faster, load peak 1.17x the weights, prefill unchanged.
# Under this threshold a CPU prefill raises it to 32 MiB for its own length and puts it back (PrefillMalloc:
# its activations then stay in malloc's arenas from layer to layer instead of being faulted in again).
# Skipped where the kernel has transparent huge pages off ([never]) or does not say (not Linux).
if [[ -r /sys/kernel/mm/transparent_hugepage/enabled ]] \
   && ! grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled; then
  export THP_MEM_ALLOC_ENABLE="${THP_MEM_ALLOC_ENABLE:-1}"
  if [[ "$THP_MEM_ALLOC_ENABLE" == 1 && "${GLIBC_TUNABLES:-}" != *glibc.malloc.mmap_threshold=* ]]; then
    export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.mmap_threshold=4194304"
  fi
fi
