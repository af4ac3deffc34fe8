// fp32 kernels with AVX2 + FMA intrinsics. This module is compiled with -mavx2 -mfma, so nothing here may
// run before KoBERTKernels has checked CPUID; its entry points are public, non-inlinable functions.
#if arch(x86_64)
import _Builtin_intrinsics.intel

public enum AVX2FloatKernels {
    /// C[rows × cols] (+)= alpha · A[rows × kc] · P[kc × 16]; P is one k-major panel of 16 columns,
    /// rows ≤ 6, cols ≤ 16. 6 × 16 register tile: 12 accumulators, 2 panel loads and 6 broadcasts per k.
    /// Rows past `rows` re-read the last real row and are not stored.
    @inline(never)
    public static func tile6x16(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                                c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool) {
        let a0 = a, a1 = a + min(1, rows - 1) * lda, a2 = a + min(2, rows - 1) * lda
        let a3 = a + min(3, rows - 1) * lda, a4 = a + min(4, rows - 1) * lda, a5 = a + min(5, rows - 1) * lda
        var c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps()
        var c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps()
        var c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps()
        var c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps()
        var c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps()
        var c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps()
        var b = panel
        var kk = 0
        while kk < kc {
            let b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8)
            var x = _mm256_broadcast_ss(a0 + kk)
            c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01)
            x = _mm256_broadcast_ss(a1 + kk)
            c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11)
            x = _mm256_broadcast_ss(a2 + kk)
            c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21)
            x = _mm256_broadcast_ss(a3 + kk)
            c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31)
            x = _mm256_broadcast_ss(a4 + kk)
            c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41)
            x = _mm256_broadcast_ss(a5 + kk)
            c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51)
            b += 16
            kk += 1
        }
        let scale = _mm256_set1_ps(alpha)
        store(c00, c01, c, cols, scale, accumulate)
        if rows > 1 { store(c10, c11, c + ldc, cols, scale, accumulate) }
        if rows > 2 { store(c20, c21, c + 2 * ldc, cols, scale, accumulate) }
        if rows > 3 { store(c30, c31, c + 3 * ldc, cols, scale, accumulate) }
        if rows > 4 { store(c40, c41, c + 4 * ldc, cols, scale, accumulate) }
        if rows > 5 { store(c50, c51, c + 5 * ldc, cols, scale, accumulate) }
    }

    @inline(__always)
    static func store(_ lo: __m256, _ hi: __m256, _ row: UnsafeMutablePointer<Float>, _ cols: Int,
                      _ scale: __m256, _ accumulate: Bool) {
        if cols == 16 {
            if accumulate {
                _mm256_storeu_ps(row, _mm256_fmadd_ps(lo, scale, _mm256_loadu_ps(row)))
                _mm256_storeu_ps(row + 8, _mm256_fmadd_ps(hi, scale, _mm256_loadu_ps(row + 8)))
            } else {
                _mm256_storeu_ps(row, _mm256_mul_ps(lo, scale))
                _mm256_storeu_ps(row + 8, _mm256_mul_ps(hi, scale))
            }
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { tmp in
            let t = tmp.baseAddress!
            _mm256_storeu_ps(t, _mm256_mul_ps(lo, scale))
            _mm256_storeu_ps(t + 8, _mm256_mul_ps(hi, scale))
            for j in 0..<cols { row[j] = accumulate ? row[j] + t[j] : t[j] }
        }
    }

    /// In place on C[rows × cols]: + bias (per column, may be nil), then activation
    /// (0 none, 1 ReLU, 2 exact-erf GELU through AVX2Math.erf).
    @inline(never)
    public static func epilogue(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                                bias: UnsafePointer<Float>?, activation: Int) {
        let zero = _mm256_setzero_ps()
        for r in 0..<rows {
            let row = c + r * ldc
            var j = 0
            while j < cols {
                // Masked moves only for the tail: vmaskmovps stores are microcoded and slow on AMD.
                let full = cols - j >= 8
                let mask = AVX2Math.tailMask(cols - j)
                var v = full ? _mm256_loadu_ps(row + j) : _mm256_maskload_ps(row + j, mask)
                if let bias { v = _mm256_add_ps(v, full ? _mm256_loadu_ps(bias + j) : _mm256_maskload_ps(bias + j, mask)) }
                switch activation {
                case 1: v = _mm256_max_ps(v, zero)
                case 2: v = AVX2Math.gelu(v)
                default: break
                }
                if full { _mm256_storeu_ps(row + j, v) } else { _mm256_maskstore_ps(row + j, mask, v) }
                j += 8
            }
        }
    }
}

extension AVX2FloatKernels {
    /// In-place softmax of n ≥ 1 floats: max, exp(x − max) with AVX2Math.exp and its sum, scale by 1 / sum.
    /// The tail runs masked (lanes past n load 0 and are kept out of the max and the sum).
    @inline(never)
    public static func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        let whole = n & ~7, tail = n - whole, mask = AVX2Math.tailMask(tail)
        let negativeInfinity = _mm256_set1_ps(-.infinity)
        var maxVec = negativeInfinity
        var i = 0
        while i < whole { maxVec = _mm256_max_ps(maxVec, _mm256_loadu_ps(x + i)); i += 8 }
        if tail > 0 { maxVec = _mm256_max_ps(maxVec, _mm256_blendv_ps(negativeInfinity, _mm256_maskload_ps(x + whole, mask), _mm256_castsi256_ps(mask))) }
        let shift = _mm256_set1_ps(horizontalMax(maxVec))
        var sumVec = _mm256_setzero_ps()
        i = 0
        while i < whole {
            let e = AVX2Math.exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift))
            _mm256_storeu_ps(x + i, e); sumVec = _mm256_add_ps(sumVec, e); i += 8
        }
        if tail > 0 {
            let e = _mm256_and_ps(AVX2Math.exp(_mm256_sub_ps(_mm256_maskload_ps(x + whole, mask), shift)), _mm256_castsi256_ps(mask))
            _mm256_maskstore_ps(x + whole, mask, e); sumVec = _mm256_add_ps(sumVec, e)
        }
        let inverse = _mm256_set1_ps(1 / horizontalSum(sumVec))
        i = 0
        while i < whole { _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inverse)); i += 8 }
        if tail > 0 { _mm256_maskstore_ps(x + whole, mask, _mm256_mul_ps(_mm256_maskload_ps(x + whole, mask), inverse)) }
    }

    @inline(__always)
    static func lanes(_ v: __m256) -> (Float, Float, Float, Float, Float, Float, Float, Float) {
        var out = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
        withUnsafeMutableBytes(of: &out) { _mm256_storeu_ps($0.baseAddress!.assumingMemoryBound(to: Float.self), v) }
        return out
    }

    @inline(__always)
    static func horizontalMax(_ v: __m256) -> Float {
        let l = lanes(v)
        return max(max(max(l.0, l.1), max(l.2, l.3)), max(max(l.4, l.5), max(l.6, l.7)))
    }

    @inline(__always)
    static func horizontalSum(_ v: __m256) -> Float {
        let l = lanes(v)
        return ((l.0 + l.4) + (l.2 + l.6)) + ((l.1 + l.5) + (l.3 + l.7))
    }

    /// erf of `count` values with the epilogue's approximation; exposed for accuracy tests.
    @inline(never)
    public static func erf(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        var i = 0
        while i < count {
            let mask = AVX2Math.tailMask(count - i)
            _mm256_maskstore_ps(out + i, mask, AVX2Math.erf(_mm256_maskload_ps(x + i, mask)))
            i += 8
        }
    }
}

/// Vector math for the epilogues. erf: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7) with an exp on
/// x = n·ln2 + r (degree-6 Taylor, 2^n through the exponent bits); ≤ 1e-6 absolute vs Foundation erf.
public enum AVX2Math {
    @inline(__always)
    static func tailMask(_ n: Int) -> __m256i {
        if n >= 8 { return _mm256_set1_epi32(-1) }
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(Int32(n)), lanes)
    }

    @inline(__always)
    static func gelu(_ x: __m256) -> __m256 {
        let half = _mm256_set1_ps(0.5), one = _mm256_set1_ps(1)
        let e = erf(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752)))
        return _mm256_mul_ps(_mm256_mul_ps(half, x), _mm256_add_ps(one, e))
    }

    @inline(__always)
    static func erf(_ x: __m256) -> __m256 {
        let signMask = _mm256_set1_ps(-0.0)
        let sign = _mm256_and_ps(x, signMask)
        let ax = _mm256_min_ps(_mm256_andnot_ps(signMask, x), _mm256_set1_ps(6))
        let one = _mm256_set1_ps(1)
        let t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911), ax, one))
        var p = _mm256_set1_ps(1.061405429)
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027))
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741))
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736))
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592))
        p = _mm256_mul_ps(p, t)
        let y = _mm256_fnmadd_ps(p, exp(_mm256_xor_ps(_mm256_mul_ps(ax, ax), signMask)), one)
        return _mm256_or_ps(y, sign)
    }

    /// e^x for x in [-87, 0].
    @inline(__always)
    static func exp(_ x: __m256) -> __m256 {
        let xc = _mm256_max_ps(x, _mm256_set1_ps(-87))
        let ni = _mm256_cvtps_epi32(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341))) // nearest-even (MXCSR default)
        let n = _mm256_cvtepi32_ps(ni)
        var r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125), xc)
        r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187045e-06), r)
        var p = _mm256_set1_ps(1.0 / 720)
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0 / 120))
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0 / 24))
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0 / 6))
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5))
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1))
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1))
        let bits = _mm256_slli_epi32(_mm256_add_epi32(ni, _mm256_set1_epi32(127)), 23)
        return _mm256_mul_ps(p, _mm256_castsi256_ps(bits))
    }
}
#endif
