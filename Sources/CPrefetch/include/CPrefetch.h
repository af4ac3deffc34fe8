#ifndef KOBERT_CPREFETCH_H
#define KOBERT_CPREFETCH_H
// A software prefetch for the Swift kernels. Swift has none of its own, and clang's `_m_prefetch`, a builtin
// declaration, imports into Swift as a call that does nothing; a static inline function compiles through
// clang into the instruction (prefetcht0 on x86-64, prfm pldl1keep on AArch64). A prefetch never faults,
// whatever the address.
static inline __attribute__((always_inline)) void kobert_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
#endif
