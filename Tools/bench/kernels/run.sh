#!/bin/sh
# Builds the kernel targets in release and links this benchmark against them (not a package target).
# Usage (repo root): Tools/bench/kernels/run.sh
# Environment: KOBERT_KERNEL=reference|generic|avx2|avx512vnni forces a family; THREADS=1,2 (default);
# ACT=none|relu|gelu (default gelu); BENCH_CLOCK=cpu times thread CPU time (use with THREADS=1 on a busy box).
set -e
S=${SCRATCH:-.build-kernels}
swift build -c release --scratch-path "$S" --target KoBERTKernels >/dev/null
B="$S/release"
OBJECTS="$B/KoBERTKernels.build/*.o $B/KoBERTKernelsAVX2.build/*.o"
if [ -d "$B/KoBERTKernelsVNNI.build" ]; then OBJECTS="$OBJECTS $B/KoBERTKernelsVNNI.build/*.o"; fi
# CPrefetch (header-only C, imported by the AVX2 kernels) is found through its generated module map.
swiftc -O -I "$B/Modules" -Xcc -fmodule-map-file="$B/CPrefetch.build/module.modulemap" -I Sources/CPrefetch/include \
    Tools/bench/kernels/main.swift $OBJECTS -o "$S/kernels-bench"
exec "$S/kernels-bench" "$@"
