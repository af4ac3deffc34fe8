// The exact-int8 peak of an AVX-512 VNNI CPU: the floor the avx512vnni tier is held to.
// Inline asm, as in avx2_peak.c: written with intrinsics, 12 accumulators fed the same operands are one
// value to the compiler, which kept a single chain and reported 12x the real rate.
//   zmm  vpdpbusd zmm (u8 x s8, four products into each int32, exact): 64 MACs each, 12 independent chains
//   ymm  vpdpbusd ymm (AVX512VL): 32 MACs each — what the avx512vnni tiles issue
//   gcc -O2 Tools/bench/kernels/vnni_peak.c -o /tmp/vnni_peak && /tmp/vnni_peak
//   (alone on a quiet machine; two copies at once show whether the two CPUs share a core)
#include <stdio.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define N 50000000L
#define DZ(r) "vpdpbusd %%zmm13,%%zmm12," r "\n"
static double zmm(void){ double t=now(); for(long i=0;i<N;i++) __asm__ volatile(
  DZ("%%zmm0") DZ("%%zmm1") DZ("%%zmm2") DZ("%%zmm3") DZ("%%zmm4") DZ("%%zmm5")
  DZ("%%zmm6") DZ("%%zmm7") DZ("%%zmm8") DZ("%%zmm9") DZ("%%zmm10") DZ("%%zmm11")
  ::: "xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm8","xmm9","xmm10","xmm11");
  return N*12.0*64/(now()-t)/1e9; }
#define DY(r) "vpdpbusd %%ymm13,%%ymm12," r "\n"
static double ymm(void){ double t=now(); for(long i=0;i<N;i++) __asm__ volatile(
  DY("%%ymm0") DY("%%ymm1") DY("%%ymm2") DY("%%ymm3") DY("%%ymm4") DY("%%ymm5")
  DY("%%ymm6") DY("%%ymm7") DY("%%ymm8") DY("%%ymm9") DY("%%ymm10") DY("%%ymm11")
  ::: "xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm8","xmm9","xmm10","xmm11");
  return N*12.0*32/(now()-t)/1e9; }
static double clock_ghz(void){ long x=0; double t=now(); for(long i=0;i<N;i++) __asm__ volatile(
  "add $1,%0\n add $1,%0\n add $1,%0\n add $1,%0\n add $1,%0\n add $1,%0\n add $1,%0\n add $1,%0\n" : "+r"(x));
  return N*8.0/(now()-t)/1e9; }
static double best(double (*f)(void)){ double b=0; for(int i=0;i<3;i++){ double v=f(); if(v>b) b=v; } return b; }
int main(void){
  double ghz=best(clock_ghz), z=best(zmm), y=best(ymm);
  printf("clock (dependent adds)   %6.2f GHz\n", ghz);
  printf("vpdpbusd zmm: %.1f GMAC/s  %5.1f MACs/cycle\n", z, z/ghz);
  printf("vpdpbusd ymm: %.1f GMAC/s  %5.1f MACs/cycle\n", y, y/ghz);
  return 0;
}
