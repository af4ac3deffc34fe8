// AVX2 kernels live here (compiled with -mavx2 -mfma); code is wrapped in #if arch(x86_64).
