/* Emulated check of the AArch64 int8 kernels (Sources/KoBERTKernelsARM), run by Tools/arm/check under
 * qemu-aarch64 once per CPU model. For every tier the CPU supports (read here from getauxval, and
 * compared with the Swift detection's choice), on odd shapes: the NEON activation quantizer equals its
 * scalar twin bit for bit; the packed weight holds every w[j][k] where its layout says and zeros elsewhere;
 * the int32 sums equal the Swift scalar reference and an independent C loop exactly; the dequantized floats
 * equal the reference bit for bit (tolerance 0: both do scvtf then two fmul in the same order), and no
 * byte outside the output rows is written. The fp32 NEON tile is checked against the product in double
 * (run_float_case). Prints one line; exit 0 only when every check passes. */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

long arm_best_tier(void);
float arm_quantize_row_reference(const float *x, long k, const float *inv, int16_t *q);
float arm_quantize_row(const float *x, long k, const float *inv, int16_t *q);
void *arm_weight_new(long tier, const int8_t *values, long n, long k);
void arm_weight_free(void *w);
long arm_weight_padded_k(const void *w);
long arm_weight_panels(const void *w);
const int8_t *arm_weight_bytes(const void *w);
long arm_weight_offset(long tier, long kk, long j, long padded_k);
long arm_activation_bytes(long tier, long rows, long padded_k);
void arm_narrow(long tier, const int16_t *quanta, long ldq, long rows, long k, long padded_k, int8_t *out);
void arm_sums(long tier, const int8_t *a, long m, const void *w, int32_t *out, long ldo, long p0, long p1);
void arm_run(long tier, const int8_t *a, long m, const void *w, const float *row_scales, const float *col_scales,
             float *c, long ldc, long p0, long p1);
void arm_reference_sums(const int16_t *q, long ldq, long m, const int8_t *w, long n, long k, int32_t *out, long ldo);
void arm_reference_dequantize(const int32_t *sums, long lds, long m, long n, const float *row_scales,
                              const float *col_scales, float *c, long ldc);
void arm_float_tile(long kc, const float *a, long lda, long rows, const float *panel, float *c, long ldc, long cols,
                    float alpha, bool accumulate);
void arm_float_reference(long kc, const float *a, long lda, long rows, const float *panel, float *c, long ldc, long cols,
                         float alpha, bool accumulate);
void *arm_linear_new(long tier, const int8_t *values, long n, long k);
void arm_linear_free(void *l);
long arm_linear_panels(const void *l);
long arm_linear_activation_bytes(const void *l, long rows);
void arm_linear_prepare(const void *l, const float *x, long rows, const float *inv, int8_t *a, float *row_scales);
void arm_linear_forward(const void *l, const int8_t *a, long rows, const float *row_scales, const float *col_scales,
                        const float *bias, long activation, float *c, long ldc, long p0, long p1);

static const char *tier_names[] = {"neon", "dotprod", "i8mm"};
static long checks, failures;

static void expect(int ok, const char *what, long a, long b, long c) {
    checks++;
    if (!ok && failures++ < 10) fprintf(stderr, "FAIL %s (%ld, %ld, %ld)\n", what, a, b, c);
}

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint32_t next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return (uint32_t)(state >> 16); }
static float uniform(void) { return (float)(next() % 2000001) / 1000000.0f - 1.0f; }
static uint32_t bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* One shape: m rows of activations, n output columns, k inputs; `smooth` adds per-channel 1/s factors. */
static void run_case(long m, long n, long k, int smooth, int tiers[3]) {
    long ldq = k + 1;                       /* a stride wider than k, as the package's even-padded rows */
    float *x = malloc(sizeof(float) * m * k), *inv = malloc(sizeof(float) * k);
    int16_t *q = calloc(m * ldq, 2), *qv = calloc(m * ldq, 2);
    float *rs = malloc(sizeof(float) * m), *rsv = malloc(sizeof(float) * m), *cs = malloc(sizeof(float) * n);
    int8_t *w = malloc(n * k);
    for (long i = 0; i < m * k; i++) x[i] = uniform() * (next() % 50 == 0 ? 40.0f : 3.0f);
    for (long r = 0; r < m; r++) {          /* rows the quantizer must treat specially */
        if (r % 7 == 3) for (long i = 0; i < k; i++) x[r * k + i] = 0;
        if (r % 5 == 1 && k > 2) x[r * k + 1] = NAN;
        if (r % 11 == 4) x[r * k] = INFINITY;
    }
    for (long i = 0; i < k; i++) inv[i] = 0.25f + (float)(next() % 1000) / 500.0f;
    for (long i = 0; i < n * k; i++) w[i] = (int8_t)(next() & 0xFF);   /* the full int8 range, −128 too */
    for (long j = 0; j < n; j++) cs[j] = (float)(next() % 1000 + 1) / 65536.0f;

    for (long r = 0; r < m; r++) {
        rs[r] = arm_quantize_row_reference(x + r * k, k, smooth ? inv : NULL, q + r * ldq);
        rsv[r] = arm_quantize_row(x + r * k, k, smooth ? inv : NULL, qv + r * ldq);
        expect(bits(rs[r]) == bits(rsv[r]), "quantizer scale", m, k, r);
        for (long i = 0; i < k; i++) expect(q[r * ldq + i] == qv[r * ldq + i], "quantizer value", r, i, q[r * ldq + i]);
    }

    int32_t *ref = malloc(4 * m * n), *got = malloc(4 * m * n);
    arm_reference_sums(q, ldq, m, w, n, k, ref, n);
    for (long r = 0; r < m; r++)
        for (long j = 0; j < n; j++) {
            int32_t acc = 0;
            for (long i = 0; i < k; i++) acc += (int32_t)q[r * ldq + i] * w[j * k + i];
            expect(acc == ref[r * n + j], "reference sum vs C loop", r, j, k);
        }
    long ldc = n + 3;
    float *cref = malloc(sizeof(float) * m * ldc), *c = malloc(sizeof(float) * m * ldc);
    arm_reference_dequantize(ref, n, m, n, rs, cs, cref, ldc);

    for (long t = 0; t < 3; t++) {
        if (!tiers[t]) continue;
        void *pw = arm_weight_new(t, w, n, k);
        long pk = arm_weight_padded_k(pw), panels = arm_weight_panels(pw);
        const int8_t *bytes = arm_weight_bytes(pw);
        for (long j = 0; j < panels * 16; j++)
            for (long i = 0; i < pk; i++) {
                int8_t want = (j < n && i < k) ? w[j * k + i] : 0;
                expect(bytes[arm_weight_offset(t, i, j, pk)] == want, tier_names[t], j, i, -1);
            }
        int8_t *a = malloc(arm_activation_bytes(t, m, pk));
        arm_narrow(t, q, ldq, m, k, pk, a);
        long half = panels / 2;             /* two calls over the panel range, as threads split it */
        memset(got, 0x5A, 4 * m * n);
        arm_sums(t, a, m, pw, got, n, 0, half);
        arm_sums(t, a, m, pw, got, n, half, panels);
        for (long i = 0; i < m * n; i++) expect(got[i] == ref[i], tier_names[t], i / n, i % n, got[i]);
        for (long i = 0; i < m * ldc; i++) c[i] = -7.0f;   /* a canary in the ldc padding */
        arm_run(t, a, m, pw, rs, cs, c, ldc, 0, half);
        arm_run(t, a, m, pw, rs, cs, c, ldc, half, panels);
        for (long r = 0; r < m; r++)
            for (long j = 0; j < ldc; j++) {
                if (j < n) expect(bits(c[r * ldc + j]) == bits(cref[r * ldc + j]), "dequantized float", t, r, j);
                else expect(c[r * ldc + j] == -7.0f, "write past the row", t, r, j);
            }
        free(a);
        arm_weight_free(pw);
    }
    free(x); free(inv); free(q); free(qv); free(rs); free(rsv); free(cs); free(w);
    free(ref); free(got); free(cref); free(c);
}

/* The fp32 NEON tile (every tier) on m × n × k, k split into two blocks (the second accumulates), as
 * FloatGEMM drives it. fmla rounds once per step, the scalar twin twice, so neither is exact: both must lie
 * within 2 (k + 2) ε · |alpha| Σ|a·b| of the product computed in double, ε = FLT_EPSILON. */
static void run_float_case(long m, long n, long k, float alpha) {
    long panels = (n + 15) / 16, lda = k + 2, ldc = n + 3, k1 = k / 2;
    float *a = malloc(sizeof(float) * m * lda), *packed = calloc(panels * 16 * k, sizeof(float));
    float *c = malloc(sizeof(float) * m * ldc), *cref = malloc(sizeof(float) * m * ldc);
    double *exact = calloc(m * n, sizeof(double)), *bound = calloc(m * n, sizeof(double));
    for (long i = 0; i < m * lda; i++) a[i] = uniform() * 2.0f;
    for (long j = 0; j < n; j++) for (long i = 0; i < k; i++) packed[(j / 16) * k * 16 + i * 16 + j % 16] = uniform();
    for (long r = 0; r < m; r++)
        for (long j = 0; j < n; j++)
            for (long i = 0; i < k; i++) {
                double p = (double)a[r * lda + i] * packed[(j / 16) * k * 16 + i * 16 + j % 16] * alpha;
                exact[r * n + j] += p; bound[r * n + j] += fabs(p);
            }
    for (long i = 0; i < m * ldc; i++) c[i] = cref[i] = -7.0f;
    for (long p = 0; p < panels; p++) {
        const float *panel = packed + p * k * 16;
        long cols = n - 16 * p < 16 ? n - 16 * p : 16;
        for (long i0 = 0; i0 < m; i0 += 8) {
            long rows = m - i0 < 8 ? m - i0 : 8;
            const float *ai = a + i0 * lda;
            float *ci = c + i0 * ldc + 16 * p, *ri = cref + i0 * ldc + 16 * p;
            arm_float_tile(k1, ai, lda, rows, panel, ci, ldc, cols, alpha, false);
            arm_float_tile(k - k1, ai + k1, lda, rows, panel + k1 * 16, ci, ldc, cols, alpha, true);
            arm_float_reference(k1, ai, lda, rows, panel, ri, ldc, cols, alpha, false);
            arm_float_reference(k - k1, ai + k1, lda, rows, panel + k1 * 16, ri, ldc, cols, alpha, true);
        }
    }
    for (long r = 0; r < m; r++)
        for (long j = 0; j < ldc; j++) {
            if (j >= n) { expect(c[r * ldc + j] == -7.0f, "fp32 write past the row", m, r, j); continue; }
            double tol = 2.0 * (k + 2) * FLT_EPSILON * bound[r * n + j] + FLT_MIN;
            expect(fabs(c[r * ldc + j] - exact[r * n + j]) <= tol, "fp32 tile vs exact", m, r, j);
            expect(fabs(cref[r * ldc + j] - exact[r * n + j]) <= tol, "fp32 reference vs exact", m, r, j);
        }
    free(a); free(packed); free(c); free(cref); free(exact); free(bound);
}

/* The whole Linear as KoBERTKernels' Int8Linear runs it on arm64 (ARMInt8Linear: prepare, then forward
 * per panel range), against an independent C Linear: ActivationQuantizer's rule (v = x·inv,
 * q = clamp(rint(v · 127/max|v|), ±127), scale max|v|/127), exact int32 sums, Float(Σ)·(rs·cs), + bias,
 * activation. none and ReLU must match bit for bit; GELU (polynomial erf) within 2e-6 · max(1, |y|) of
 * erf in double. The panels run as one range and as two (threads); both must give the same bytes. */
static long linear_cases;
static void run_linear_case(long m, long n, long k, int tier, int activation, int smooth, int with_bias) {
    long ldc = n + 3;
    float *x = malloc(sizeof(float) * m * k), *inv = malloc(sizeof(float) * k), *cs = malloc(sizeof(float) * n);
    float *bias = malloc(sizeof(float) * n), *want = malloc(sizeof(float) * m * n), *rs = malloc(sizeof(float) * m);
    float *one = malloc(sizeof(float) * m * ldc), *two = malloc(sizeof(float) * m * ldc);
    int8_t *w = malloc(n * k);
    for (long i = 0; i < m * k; i++) x[i] = uniform() * (next() % 50 == 0 ? 40.0f : 3.0f);
    if (m > 2) for (long i = 0; i < k; i++) x[2 * k + i] = 0;      /* a zero row: scale 0, output = bias */
    for (long i = 0; i < k; i++) inv[i] = 0.25f + (float)(next() % 1000) / 500.0f;
    for (long i = 0; i < n * k; i++) w[i] = (int8_t)(next() & 0xFF);
    for (long j = 0; j < n; j++) { cs[j] = (float)(next() % 1000 + 1) / 65536.0f; bias[j] = uniform() * 2.0f; }
    for (long r = 0; r < m; r++) {
        float mx = 0, *v = malloc(sizeof(float) * k);
        for (long i = 0; i < k; i++) { v[i] = smooth ? x[r * k + i] * inv[i] : x[r * k + i]; if (fabsf(v[i]) > mx) mx = fabsf(v[i]); }
        float factor = mx > 0 ? 127.0f / mx : 0, scale = mx / 127.0f;
        for (long j = 0; j < n; j++) {
            int32_t sum = 0;
            for (long i = 0; i < k; i++) {
                float q = mx > 0 ? nearbyintf(v[i] * factor) : 0;
                q = q > 127 ? 127 : (q < -127 ? -127 : q);
                sum += (int32_t)q * w[j * k + i];
            }
            float y = (float)sum * (scale * cs[j]);
            if (with_bias) y += bias[j];
            if (activation == 1) y = y < 0 ? 0 : y;
            if (activation == 2) y = (float)(0.5 * y * (1 + erf((double)y / sqrt(2.0))));
            want[r * n + j] = y;
        }
        free(v);
    }
    void *lin = arm_linear_new(tier, w, n, k);
    long panels = arm_linear_panels(lin), half = panels / 2;
    int8_t *a = malloc(arm_linear_activation_bytes(lin, m));
    arm_linear_prepare(lin, x, m, smooth ? inv : NULL, a, rs);
    for (long i = 0; i < m * ldc; i++) one[i] = two[i] = -7.0f;
    const float *b = with_bias ? bias : NULL;
    arm_linear_forward(lin, a, m, rs, cs, b, activation, one, ldc, 0, panels);
    arm_linear_forward(lin, a, m, rs, cs, b, activation, two, ldc, half, panels);
    arm_linear_forward(lin, a, m, rs, cs, b, activation, two, ldc, 0, half);
    expect(memcmp(one, two, sizeof(float) * m * ldc) == 0, "linear: two panel ranges vs one", m, n, k);
    for (long r = 0; r < m; r++)
        for (long j = 0; j < ldc; j++) {
            float got = one[r * ldc + j];
            if (j >= n) { expect(got == -7.0f, "linear: write past the row", m, r, j); continue; }
            float y = want[r * n + j];
            if (activation == 2) expect(fabsf(got - y) <= 2e-6f * (fabsf(y) > 1 ? fabsf(y) : 1), "linear gelu", m, r, j);
            else expect(bits(got) == bits(y), "linear vs C", m, r, j);
        }
    arm_linear_free(lin);
    free(x); free(inv); free(cs); free(bias); free(want); free(rs); free(one); free(two); free(w); free(a);
    linear_cases++;
}

int main(int argc, char **argv) {
    const char *cpu = argc > 1 ? argv[1] : "?";
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    int tiers[3] = {1, (hw & HWCAP_ASIMDDP) != 0, (hw2 & HWCAP2_I8MM) != 0};
    long best = tiers[2] ? 2 : (tiers[1] ? 1 : 0);
    long selected = arm_best_tier();
    expect(selected == best, "Swift detection vs getauxval here", selected, best, 0);
    /* M, N, K: none a multiple of any tile (4 or 8 rows, 16 columns, 16 k) except a few exact fits. */
    static const long shapes[][3] = {
        {1, 1, 1}, {1, 17, 3}, {3, 5, 7}, {6, 3, 1}, {2, 16, 16}, {8, 16, 8}, {4, 32, 32}, {5, 33, 19},
        {7, 31, 129}, {9, 47, 255}, {13, 50, 771}, {17, 65, 100}, {1, 48, 3072}, {11, 37, 3072}, {10, 18, 768},
    };
    long cases = sizeof shapes / sizeof shapes[0];
    for (long i = 0; i < cases; i++) run_case(shapes[i][0], shapes[i][1], shapes[i][2], (int)(i & 1), tiers);
    for (long i = 0; i < cases; i++) run_float_case(shapes[i][0], shapes[i][1], shapes[i][2], i & 1 ? 0.125f : 1.0f);
    long before = checks, failed = failures;
    static const long lshapes[][3] = {{1, 1, 1}, {3, 5, 7}, {5, 33, 19}, {9, 47, 255}, {13, 50, 771}, {11, 37, 3072}, {2, 16, 16}};
    long lcount = sizeof lshapes / sizeof lshapes[0];
    for (int t = 0; t < 3; t++) if (tiers[t])
        for (long i = 0; i < lcount; i++)
            for (int act = 0; act < 3; act++)
                run_linear_case(lshapes[i][0], lshapes[i][1], lshapes[i][2], t, act, (int)((i + act) & 1), act != 1 || (i & 1));
    long lchecks = checks - before, lfailed = failures - failed;
    printf("%-12s selected %-8s compared", cpu, tier_names[selected]);
    for (int t = 0; t < 3; t++) if (tiers[t]) printf(" %s", tier_names[t]);
    printf(" + fp32 with the reference: %ld cases, %ld checks, %s\n", cases, before, failed ? "FAIL" : "pass");
    printf("%-12s linear   ARMInt8Linear prepare+forward (none/relu/gelu, bias, smoothing, 2 panel ranges) vs C:"
           " %ld cases, %ld checks, %s\n", cpu, linear_cases, lchecks, lfailed ? "FAIL" : "pass");
    return failures ? 1 : 0;
}
