// The exact-int8 peak of an AVX2 CPU without VNNI: the floor the AVX2 int8 tier is held to.
// Each loop is inline asm (a compiler spills accumulators or merges equal products and measures itself):
//   madd     vpmaddwd (int16 x int16 -> int32 pair sums) + vpaddd, 8 accumulators: exact for int8 x int8,
//            the route the AVX2 kernels take; 16 MACs per vpmaddwd
//   maddubs  vpmaddubsw (u8 x s8 -> int16 pair sums, saturating) + vpmaddwd by ones + vpaddd: 32 MACs per
//            step, exact only while a pair sum fits int16
//   maddubs16  vpmaddubsw + vpaddw (int16 accumulation): 32 MACs per step, saturating — shown for scale
//   ceiling  vpmaddwd alone in 12 independent chains: the multiplier ports' limit
//   gcc -O2 Tools/bench/kernels/avx2_peak.c -o /tmp/avx2_peak && /tmp/avx2_peak
//   (alone on a quiet machine; two copies at once show whether the two CPUs share a core)
#include <stdio.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define N 50000000L
#define R8(x) x x x x x x x x
static double madd(void){ double t=now(); for(long i=0;i<N;i++) __asm__ volatile(
  "vpmaddwd %%ymm8,%%ymm9,%%ymm10\n vpaddd %%ymm10,%%ymm0,%%ymm0\n vpmaddwd %%ymm8,%%ymm9,%%ymm11\n vpaddd %%ymm11,%%ymm1,%%ymm1\n"
  "vpmaddwd %%ymm8,%%ymm9,%%ymm12\n vpaddd %%ymm12,%%ymm2,%%ymm2\n vpmaddwd %%ymm8,%%ymm9,%%ymm13\n vpaddd %%ymm13,%%ymm3,%%ymm3\n"
  "vpmaddwd %%ymm8,%%ymm9,%%ymm14\n vpaddd %%ymm14,%%ymm4,%%ymm4\n vpmaddwd %%ymm8,%%ymm9,%%ymm15\n vpaddd %%ymm15,%%ymm5,%%ymm5\n"
  "vpmaddwd %%ymm8,%%ymm9,%%ymm10\n vpaddd %%ymm10,%%ymm6,%%ymm6\n vpmaddwd %%ymm8,%%ymm9,%%ymm11\n vpaddd %%ymm11,%%ymm7,%%ymm7\n"
  ::: "xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm10","xmm11","xmm12","xmm13","xmm14","xmm15");
  return N*8.0*16/(now()-t)/1e9; }
#define UBS(acc,t) "vpmaddubsw %%ymm8,%%ymm9," t "\n vpmaddwd %%ymm15," t "," t "\n vpaddd " t "," acc "," acc "\n"
static double maddubs(void){ double t=now(); for(long i=0;i<N;i++) __asm__ volatile(
  UBS("%%ymm0","%%ymm10") UBS("%%ymm1","%%ymm11") UBS("%%ymm2","%%ymm12") UBS("%%ymm3","%%ymm13")
  UBS("%%ymm4","%%ymm14") UBS("%%ymm5","%%ymm10") UBS("%%ymm6","%%ymm11") UBS("%%ymm7","%%ymm12")
  ::: "xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm10","xmm11","xmm12","xmm13","xmm14");
  return N*8.0*32/(now()-t)/1e9; }
#define UBS16(acc,t) "vpmaddubsw %%ymm8,%%ymm9," t "\n vpaddw " t "," acc "," acc "\n"
static double maddubs16(void){ double t=now(); for(long i=0;i<N;i++) __asm__ volatile(
  UBS16("%%ymm0","%%ymm10") UBS16("%%ymm1","%%ymm11") UBS16("%%ymm2","%%ymm12") UBS16("%%ymm3","%%ymm13")
  UBS16("%%ymm4","%%ymm14") UBS16("%%ymm5","%%ymm15") UBS16("%%ymm6","%%ymm10") UBS16("%%ymm7","%%ymm11")
  ::: "xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm10","xmm11","xmm12","xmm13","xmm14","xmm15");
  return N*8.0*32/(now()-t)/1e9; }
#define MW(r) "vpmaddwd %%ymm8," r "," r "\n"
static double ceiling(void){ double t=now(); for(long i=0;i<N;i++) __asm__ volatile(
  MW("%%ymm0") MW("%%ymm1") MW("%%ymm2") MW("%%ymm3") MW("%%ymm4") MW("%%ymm5")
  MW("%%ymm6") MW("%%ymm7") MW("%%ymm9") MW("%%ymm10") MW("%%ymm11") MW("%%ymm12")
  ::: "xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm9","xmm10","xmm11","xmm12");
  return N*12.0*16/(now()-t)/1e9; }
static double clock_ghz(void){ long x=0; double t=now(); for(long i=0;i<N;i++) __asm__ volatile(
  "add $1,%0\n add $1,%0\n add $1,%0\n add $1,%0\n add $1,%0\n add $1,%0\n add $1,%0\n add $1,%0\n" : "+r"(x));
  return N*8.0/(now()-t)/1e9; }
static double best(double (*f)(void)){ double b=0; for(int i=0;i<3;i++){ double v=f(); if(v>b) b=v; } return b; }
int main(void){
  double ghz=best(clock_ghz), a=best(madd), b=best(maddubs), c=best(maddubs16), d=best(ceiling);
  printf("clock (dependent adds)                 %6.2f GHz\n", ghz);
  printf("madd      vpmaddwd+vpaddd (exact)      %6.1f GMAC/s  %5.1f MACs/cycle\n", a, a/ghz);
  printf("maddubs   vpmaddubsw+vpmaddwd+vpaddd   %6.1f GMAC/s  %5.1f MACs/cycle\n", b, b/ghz);
  printf("maddubs16 vpmaddubsw+vpaddw (int16)    %6.1f GMAC/s  %5.1f MACs/cycle\n", c, c/ghz);
  printf("ceiling   vpmaddwd alone               %6.1f GMAC/s  %5.1f MACs/cycle\n", d, d/ghz);
  return 0;
}
