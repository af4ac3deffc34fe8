// Integer kernels with AVX2 intrinsics (module compiled with -mavx2 -mfma; entered only after CPUID).
//
// Fidelity choice: int8 × int8 through `vpmaddwd` on sign-extended int16, not `vpmaddubsw` (u8 × s8).
// vpmaddubsw saturates its int16 pair sums (255·127·2 > 32767), which forces 7-bit activations or weights
// (doubling one quantization step) or an offset-and-correct scheme that can still saturate. vpmaddwd sums
// int16 products into int32 exactly, so every family produces bit-identical int32 sums and the full
// ±127 range of both operands is kept. On Zen 4 both routes issue two multiply µops per 32 MACs
// (maddubs + madd-with-ones vs two madd), so the exact route costs little speed.
//
// On Zen 3 it does cost: vpaddd issues on three pipes, two of which also take every multiply, so
// vpmaddwd + vpaddd reaches ~24 MACs/cycle where vpmaddubsw + vpmaddwd + vpaddd reaches ~30
// (Tools/bench/kernels/avx2_peak.c). Weights on a grid of at most 7 bits (|w| ≤ 63, which the quantizer's
// sensitivity pass picks wherever it keeps the fidelity budget) make vpmaddubsw exact with u8 activations
// (2 · 255 · 63 = 32130 < 32767), so those weights take `quadTile` below; the rest keep `tile`.
#if arch(x86_64)
import _Builtin_intrinsics.intel
import CPrefetch

public enum AVX2Int8Kernels {
    public static let tileRows = 6

    /// Rows ≤ 6 of int16 activations (−127…127, `pairs`·2 values each, stride lda) times one packed panel of
    /// 16 columns (32 bytes per k-pair: column j's pair at bytes 2j, 2j+1); writes
    /// C[r][j] = Float(Σ) · (rowScales[r] · colScales[j]) for j < cols. colScales must hold 16 readable values.
    /// 6 × 16 tile: 12 int32 accumulators, the panel's pair sign-extended once and used by 6 rows. Rows ≤ 4
    /// take `tile4`, which issues a third fewer multiplies than 6 rows would (L = 16 is 6 + 6 + 4 rows).
    @inline(never)
    public static func tile(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                            rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        if rows <= 4 {
            tile4(pairs: pairs, a: a, lda: lda, rows: rows, panel: panel, rowScales: rowScales, colScales: colScales,
                  c: c, ldc: ldc, cols: cols)
            return
        }
        let a0 = row(a, 0, rows, lda), a1 = row(a, 1, rows, lda), a2 = row(a, 2, rows, lda)
        let a3 = row(a, 3, rows, lda), a4 = row(a, 4, rows, lda), a5 = row(a, 5, rows, lda)
        let zero = _mm256_setzero_si256()
        var c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero
        var c30 = zero, c31 = zero, c40 = zero, c41 = zero, c50 = zero, c51 = zero
        var w = UnsafeRawPointer(panel)
        var off = 0
        let end = pairs * 4
        // The same k of the next panel, one line per two k-pairs: a forward meets every weight cold (each is read
        // once per pass and the model outgrows L2), and with few rows the stream prefetchers leave the first
        // tile of each panel waiting on memory (m = 16: 58 → 70 GMAC/s, Tools/bench/kernels "cold weights").
        // A prefetch past the last panel is harmless: it never faults.
        let nextPanel = pairs * 32
        while off < end {
            kobert_prefetch(w + nextPanel)
            let (b0, b1) = pairColumns(w)
            accumulate(&c00, &c01, a0, off, b0, b1); accumulate(&c10, &c11, a1, off, b0, b1)
            accumulate(&c20, &c21, a2, off, b0, b1); accumulate(&c30, &c31, a3, off, b0, b1)
            accumulate(&c40, &c41, a4, off, b0, b1); accumulate(&c50, &c51, a5, off, b0, b1)
            w += 32
            off += 4
        }
        let s0 = _mm256_loadu_ps(colScales), s1 = _mm256_loadu_ps(colScales + 8)
        store(c00, c01, rowScales[0], s0, s1, c, cols)
        if rows > 1 { store(c10, c11, rowScales[1], s0, s1, c + ldc, cols) }
        if rows > 2 { store(c20, c21, rowScales[2], s0, s1, c + 2 * ldc, cols) }
        if rows > 3 { store(c30, c31, rowScales[3], s0, s1, c + 3 * ldc, cols) }
        if rows > 4 { store(c40, c41, rowScales[4], s0, s1, c + 4 * ldc, cols) }
        if rows > 5 { store(c50, c51, rowScales[5], s0, s1, c + 5 * ldc, cols) }
    }

    /// `tile` for rows ≤ 4: 8 accumulators, the same loop.
    @inline(never)
    static func tile4(pairs: Int, a: UnsafePointer<Int16>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                      rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                      c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        let a0 = row(a, 0, rows, lda), a1 = row(a, 1, rows, lda), a2 = row(a, 2, rows, lda), a3 = row(a, 3, rows, lda)
        let zero = _mm256_setzero_si256()
        var c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero
        var w = UnsafeRawPointer(panel)
        var off = 0
        let end = pairs * 4
        let nextPanel = pairs * 32   // the next panel's same k, as in `tile`
        while off < end {
            kobert_prefetch(w + nextPanel)
            let (b0, b1) = pairColumns(w)
            accumulate(&c00, &c01, a0, off, b0, b1); accumulate(&c10, &c11, a1, off, b0, b1)
            accumulate(&c20, &c21, a2, off, b0, b1); accumulate(&c30, &c31, a3, off, b0, b1)
            w += 32
            off += 4
        }
        let s0 = _mm256_loadu_ps(colScales), s1 = _mm256_loadu_ps(colScales + 8)
        store(c00, c01, rowScales[0], s0, s1, c, cols)
        if rows > 1 { store(c10, c11, rowScales[1], s0, s1, c + ldc, cols) }
        if rows > 2 { store(c20, c21, rowScales[2], s0, s1, c + 2 * ldc, cols) }
        if rows > 3 { store(c30, c31, rowScales[3], s0, s1, c + 3 * ldc, cols) }
    }

    /// Row r of a tile's activations; rows past the last repeat it (computed, never stored).
    @inline(__always)
    static func row(_ a: UnsafePointer<Int16>, _ r: Int, _ rows: Int, _ lda: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(a + min(r, rows - 1) * lda)
    }

    /// One k-pair of a panel, sign-extended to int16: columns 0–7 and 8–15.
    @inline(__always)
    static func pairColumns(_ w: UnsafeRawPointer) -> (__m256i, __m256i) {
        (_mm256_cvtepi8_epi16(_mm_loadu_si128(w.assumingMemoryBound(to: __m128i.self))),
         _mm256_cvtepi8_epi16(_mm_loadu_si128((w + 16).assumingMemoryBound(to: __m128i.self))))
    }

    /// One row's activation pair at `off` times the panel's pair, added into its two accumulators.
    @inline(__always)
    static func accumulate(_ lo: inout __m256i, _ hi: inout __m256i, _ a: UnsafeRawPointer, _ off: Int,
                           _ b0: __m256i, _ b1: __m256i) {
        let x = _mm256_set1_epi32(a.loadUnaligned(fromByteOffset: off, as: Int32.self))
        lo = _mm256_add_epi32(lo, _mm256_madd_epi16(x, b0)); hi = _mm256_add_epi32(hi, _mm256_madd_epi16(x, b1))
    }

    @inline(__always)
    static func store(_ lo: __m256i, _ hi: __m256i, _ rowScale: Float, _ s0: __m256, _ s1: __m256,
                      _ row: UnsafeMutablePointer<Float>, _ cols: Int) {
        let r = _mm256_set1_ps(rowScale)
        let vLo = _mm256_mul_ps(_mm256_cvtepi32_ps(lo), _mm256_mul_ps(r, s0))
        let vHi = _mm256_mul_ps(_mm256_cvtepi32_ps(hi), _mm256_mul_ps(r, s1))
        if cols == 16 { _mm256_storeu_ps(row, vLo); _mm256_storeu_ps(row + 8, vHi); return }
        _mm256_maskstore_ps(row, AVX2Math.tailMask(cols), vLo)
        if cols > 8 { _mm256_maskstore_ps(row + 8, AVX2Math.tailMask(cols - 8), vHi) }
    }

    public static let quadTileRows = 4
    /// Largest weight magnitude `quadTile` is exact for.
    public static let quadWeightLimit = 63

    /// Rows ≤ 4 of u8 activations (int8 quanta + 128, `quads`·4 bytes each, stride lda) times one panel of 16
    /// columns packed in quads (64 bytes per k-quad: column j's quad at bytes 4j…4j+3) whose weights all lie
    /// in −63…63. Writes C[r][j] = Float(Σ − columnSums128[j]) · (rowScales[r] · colScales[j]) for j < cols;
    /// columnSums128 and colScales must hold 16 readable values. vpmaddubsw gives each column's two pair sums
    /// as int16 (exact under the weight limit), vpmaddwd by ones adds them into int32. 4 × 16: 8 accumulators
    /// (6 rows spill on 16 registers once the ones and the products need theirs).
    @inline(never)
    public static func quadTile(quads: Int, a: UnsafePointer<UInt8>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                                columnSums128: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                                colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        let a0 = UnsafeRawPointer(a), a1 = UnsafeRawPointer(a + min(1, rows - 1) * lda)
        let a2 = UnsafeRawPointer(a + min(2, rows - 1) * lda), a3 = UnsafeRawPointer(a + min(3, rows - 1) * lda)
        var c00 = _mm256_setzero_si256(), c01 = _mm256_setzero_si256()
        var c10 = _mm256_setzero_si256(), c11 = _mm256_setzero_si256()
        var c20 = _mm256_setzero_si256(), c21 = _mm256_setzero_si256()
        var c30 = _mm256_setzero_si256(), c31 = _mm256_setzero_si256()
        let ones = _mm256_set1_epi16(1)
        var w = UnsafeRawPointer(panel)
        var off = 0
        let end = quads * 4
        let nextPanel = quads * 64   // the next panel's same k, as in `tile`
        while off < end {
            kobert_prefetch(w + nextPanel)
            let b0 = _mm256_loadu_si256(w.assumingMemoryBound(to: __m256i.self))
            let b1 = _mm256_loadu_si256((w + 32).assumingMemoryBound(to: __m256i.self))
            var x = _mm256_set1_epi32(a0.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(_mm256_maddubs_epi16(x, b0), ones))
            c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(_mm256_maddubs_epi16(x, b1), ones))
            x = _mm256_set1_epi32(a1.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(_mm256_maddubs_epi16(x, b0), ones))
            c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(_mm256_maddubs_epi16(x, b1), ones))
            x = _mm256_set1_epi32(a2.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(_mm256_maddubs_epi16(x, b0), ones))
            c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(_mm256_maddubs_epi16(x, b1), ones))
            x = _mm256_set1_epi32(a3.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(_mm256_maddubs_epi16(x, b0), ones))
            c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(_mm256_maddubs_epi16(x, b1), ones))
            w += 64
            off += 4
        }
        let sums = UnsafeRawPointer(columnSums128)
        let t0 = _mm256_loadu_si256(sums.assumingMemoryBound(to: __m256i.self))
        let t1 = _mm256_loadu_si256((sums + 32).assumingMemoryBound(to: __m256i.self))
        let s0 = _mm256_loadu_ps(colScales), s1 = _mm256_loadu_ps(colScales + 8)
        store(_mm256_sub_epi32(c00, t0), _mm256_sub_epi32(c01, t1), rowScales[0], s0, s1, c, cols)
        if rows > 1 { store(_mm256_sub_epi32(c10, t0), _mm256_sub_epi32(c11, t1), rowScales[1], s0, s1, c + ldc, cols) }
        if rows > 2 { store(_mm256_sub_epi32(c20, t0), _mm256_sub_epi32(c21, t1), rowScales[2], s0, s1, c + 2 * ldc, cols) }
        if rows > 3 { store(_mm256_sub_epi32(c30, t0), _mm256_sub_epi32(c31, t1), rowScales[3], s0, s1, c + 3 * ldc, cols) }
    }

    /// int16 quanta (−127…127, stride ldq) → u8 quanta + 128, `paddedK` per row (pad = 128, i.e. quantum 0):
    /// the activations `quadTile` multiplies.
    @inline(never)
    public static func offsetToUnsigned(_ q: UnsafePointer<Int16>, rows: Int, k: Int, ldq: Int,
                                        into u: UnsafeMutablePointer<UInt8>, paddedK: Int) {
        let bias = _mm256_set1_epi16(128)
        let order = _mm256_setr_epi32(0, 1, 4, 5, 0, 1, 4, 5)   // gathers the 16 bytes out of packus' lane split
        for r in 0..<rows {
            let src = q + r * ldq, dst = u + r * paddedK
            var i = 0
            while i + 16 <= k {
                let v = _mm256_add_epi16(_mm256_loadu_si256(UnsafeRawPointer(src + i).assumingMemoryBound(to: __m256i.self)), bias)
                // packus saturates to 0…255 (exact: v is 1…255) per 128-bit lane
                let packed = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(v, v), order)
                _mm_storeu_si128(UnsafeMutableRawPointer(dst + i).assumingMemoryBound(to: __m128i.self), _mm256_castsi256_si128(packed))
                i += 16
            }
            while i < k { dst[i] = UInt8(truncatingIfNeeded: Int(src[i]) + 128); i += 1 }
            while i < paddedK { dst[i] = 128; i += 1 }
        }
    }

    /// One activation row → int16 quanta, returns its scale (see ActivationQuantizer for the rule; same float
    /// operations in the same order, nearest-even conversion, clamp to ±127).
    @inline(never)
    public static func quantizeRow(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?,
                                   _ q: UnsafeMutablePointer<Int16>) -> Float {
        let signMask = _mm256_set1_ps(-0.0)
        var maxVec = _mm256_setzero_ps()
        var i = 0
        while i + 8 <= k {
            var v = _mm256_loadu_ps(x + i)
            if let inv { v = _mm256_mul_ps(v, _mm256_loadu_ps(inv + i)) }
            maxVec = _mm256_max_ps(maxVec, _mm256_andnot_ps(signMask, v))
            i += 8
        }
        var maxAbs = AVX2FloatKernels.horizontalMax(maxVec)
        while i < k { let v = inv.map { x[i] * $0[i] } ?? x[i]; maxAbs = max(maxAbs, abs(v)); i += 1 }
        guard maxAbs > 0, maxAbs.isFinite else { for j in 0..<k { q[j] = 0 }; return 0 }
        let factor = 127 / maxAbs
        let order = _mm256_setr_epi32(0, 1, 4, 5, 0, 1, 4, 5)  // gathers the 8 int16 out of packs' lane split
        let f = _mm256_set1_ps(factor), lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127)
        i = 0
        while i + 8 <= k {
            var v = _mm256_loadu_ps(x + i)
            if let inv { v = _mm256_mul_ps(v, _mm256_loadu_ps(inv + i)) }
            let r = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v, f)), lo), hi)
            let packed = _mm256_permutevar8x32_epi32(_mm256_packs_epi32(r, r), order)
            _mm_storeu_si128(UnsafeMutableRawPointer(q + i).assumingMemoryBound(to: __m128i.self), _mm256_castsi256_si128(packed))
            i += 8
        }
        while i < k {
            let v = inv.map { x[i] * $0[i] } ?? x[i]
            let r = (v * factor).rounded(.toNearestOrEven)
            q[i] = r >= 127 ? 127 : (r <= -127 ? -127 : (r.isNaN ? 0 : Int16(r)))
            i += 1
        }
        return maxAbs / 127
    }
}
#endif
