# The process environment for ltm's native code, sourced by ./ltm and benchmarks/run (not run on its own).
# Each setting is a default: a value already in the environment wins. Figures: docs/engine.md "Memory pages".

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
# Skipped where the kernel has transparent huge pages off ([never]) or does not say (not Linux).
if [[ -r /sys/kernel/mm/transparent_hugepage/enabled ]] \
   && ! grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled; then
  export THP_MEM_ALLOC_ENABLE="${THP_MEM_ALLOC_ENABLE:-1}"
  if [[ "$THP_MEM_ALLOC_ENABLE" == 1 && "${GLIBC_TUNABLES:-}" != *glibc.malloc.mmap_threshold=* ]]; then
    export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.mmap_threshold=4194304"
  fi
fi
