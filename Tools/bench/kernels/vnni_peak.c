// The exact-int8 peak of this CPU: 12 independent vpdpbusd zmm chains (u8 x s8 -> int32, 64 MACs each).
//   gcc -O2 -mavx512f -mavx512bw -mavx512vnni Tools/bench/kernels/vnni_peak.c -o /tmp/peak && /tmp/peak
//   (run two copies at once to see whether the two CPUs share one physical core)
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  long n=200000000L/12;
  __m512i a=_mm512_set1_epi8(3), b=_mm512_set1_epi8(5);
  __m512i c0=_mm512_setzero_si512(),c1=c0,c2=c0,c3=c0,c4=c0,c5=c0,c6=c0,c7=c0,c8=c0,c9=c0,c10=c0,c11=c0;
  double t=now();
  for(long i=0;i<n;i++){
    __asm__ volatile("" : "+v"(a));
    c0=_mm512_dpbusd_epi32(c0,a,b);c1=_mm512_dpbusd_epi32(c1,a,b);c2=_mm512_dpbusd_epi32(c2,a,b);c3=_mm512_dpbusd_epi32(c3,a,b);
    c4=_mm512_dpbusd_epi32(c4,a,b);c5=_mm512_dpbusd_epi32(c5,a,b);c6=_mm512_dpbusd_epi32(c6,a,b);c7=_mm512_dpbusd_epi32(c7,a,b);
    c8=_mm512_dpbusd_epi32(c8,a,b);c9=_mm512_dpbusd_epi32(c9,a,b);c10=_mm512_dpbusd_epi32(c10,a,b);c11=_mm512_dpbusd_epi32(c11,a,b);
  }
  t=now()-t;
  __m512i s=_mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c0,c1),_mm512_add_epi32(c2,c3)),_mm512_add_epi32(_mm512_add_epi32(c4,c5),_mm512_add_epi32(c6,c7)));
  s=_mm512_add_epi32(s,_mm512_add_epi32(_mm512_add_epi32(c8,c9),_mm512_add_epi32(c10,c11)));
  int out[16]; _mm512_storeu_si512(out,s);
  printf("vpdpbusd zmm: %.1f GMAC/s (check %d)\n", n*12.0*64/t/1e9, out[0]);
}
