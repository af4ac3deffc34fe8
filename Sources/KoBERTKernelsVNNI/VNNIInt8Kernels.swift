// int8 kernels with AVX-512 VNNI (`vpdpbusd` on 256-bit registers, AVX512VL). Compiled with
// -mavx512f -mavx512bw -mavx512vl -mavx512vnni, so nothing here may run before KoBERTKernels has checked
// CPUID and that the OS saves AVX-512 state. Entry points are non-inlinable.
//
// vpdpbusd multiplies u8 × s8 and adds four products straight into int32 — no int16 saturation — so
// activations are the int8 quanta + 128 (1…255) and each column's sum is corrected by 128 · Σ w: the
// int32 results are bit-identical to the int16 kernels' and the reference.
#if arch(x86_64)
import _Builtin_intrinsics.intel
import CPrefetch

public enum VNNIInt8Kernels {
    public static let tileRows = 8

    /// int16 quanta (−127…127, stride ldq) → u8 quanta + 128, `paddedK` per row (pad = 128, i.e. quantum 0).
    @inline(never)
    public static func offsetToUnsigned(_ q: UnsafePointer<Int16>, rows: Int, k: Int, ldq: Int,
                                        into u: UnsafeMutablePointer<UInt8>, paddedK: Int) {
        for r in 0..<rows {
            let src = q + r * ldq, dst = u + r * paddedK
            for i in 0..<k { dst[i] = UInt8(truncatingIfNeeded: Int(src[i]) + 128) }
            if paddedK > k { for i in k..<paddedK { dst[i] = 128 } }
        }
    }

    /// Rows ≤ 8 of u8 activations (`quads`·4 bytes each, stride lda) times one packed panel of 16 columns
    /// (64 bytes per k-quad: column j's quad at bytes 4j…4j+3). Writes
    /// C[r][j] = Float(Σ − columnSums128[j]) · (rowScales[r] · colScales[j]) for j < cols.
    /// columnSums128 and colScales must hold 16 readable values. 8 × 16 tile, 16 accumulators.
    @inline(never)
    public static func tile(quads: Int, a: UnsafePointer<UInt8>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                            columnSums128: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                            colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int) {
        let a0 = UnsafeRawPointer(a), a1 = UnsafeRawPointer(a + min(1, rows - 1) * lda)
        let a2 = UnsafeRawPointer(a + min(2, rows - 1) * lda), a3 = UnsafeRawPointer(a + min(3, rows - 1) * lda)
        let a4 = UnsafeRawPointer(a + min(4, rows - 1) * lda), a5 = UnsafeRawPointer(a + min(5, rows - 1) * lda)
        let a6 = UnsafeRawPointer(a + min(6, rows - 1) * lda), a7 = UnsafeRawPointer(a + min(7, rows - 1) * lda)
        var c00 = _mm256_setzero_si256(), c01 = _mm256_setzero_si256()
        var c10 = _mm256_setzero_si256(), c11 = _mm256_setzero_si256()
        var c20 = _mm256_setzero_si256(), c21 = _mm256_setzero_si256()
        var c30 = _mm256_setzero_si256(), c31 = _mm256_setzero_si256()
        var c40 = _mm256_setzero_si256(), c41 = _mm256_setzero_si256()
        var c50 = _mm256_setzero_si256(), c51 = _mm256_setzero_si256()
        var c60 = _mm256_setzero_si256(), c61 = _mm256_setzero_si256()
        var c70 = _mm256_setzero_si256(), c71 = _mm256_setzero_si256()
        var w = UnsafeRawPointer(panel)
        var off = 0
        let end = quads * 4
        // The same k of the next panel, one line per k-quad: a forward meets every weight cold (it is read once
        // per pass and the model outgrows L2), and with few rows the stream prefetchers leave the first tile
        // of each panel waiting on memory. A prefetch past the last panel is harmless (it never faults).
        let nextPanel = quads * 64
        // _mm256_dpbusd_epi32 is a macro (not importable); the all-ones mask form compiles to plain vpdpbusd.
        while off < end {
            kobert_prefetch(w + nextPanel)
            let b0 = _mm256_loadu_si256(w.assumingMemoryBound(to: __m256i.self))
            let b1 = _mm256_loadu_si256((w + 32).assumingMemoryBound(to: __m256i.self))
            var x = _mm256_set1_epi32(a0.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c00 = _mm256_mask_dpbusd_epi32(c00, 0xFF, x, b0); c01 = _mm256_mask_dpbusd_epi32(c01, 0xFF, x, b1)
            x = _mm256_set1_epi32(a1.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c10 = _mm256_mask_dpbusd_epi32(c10, 0xFF, x, b0); c11 = _mm256_mask_dpbusd_epi32(c11, 0xFF, x, b1)
            x = _mm256_set1_epi32(a2.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c20 = _mm256_mask_dpbusd_epi32(c20, 0xFF, x, b0); c21 = _mm256_mask_dpbusd_epi32(c21, 0xFF, x, b1)
            x = _mm256_set1_epi32(a3.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c30 = _mm256_mask_dpbusd_epi32(c30, 0xFF, x, b0); c31 = _mm256_mask_dpbusd_epi32(c31, 0xFF, x, b1)
            x = _mm256_set1_epi32(a4.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c40 = _mm256_mask_dpbusd_epi32(c40, 0xFF, x, b0); c41 = _mm256_mask_dpbusd_epi32(c41, 0xFF, x, b1)
            x = _mm256_set1_epi32(a5.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c50 = _mm256_mask_dpbusd_epi32(c50, 0xFF, x, b0); c51 = _mm256_mask_dpbusd_epi32(c51, 0xFF, x, b1)
            x = _mm256_set1_epi32(a6.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c60 = _mm256_mask_dpbusd_epi32(c60, 0xFF, x, b0); c61 = _mm256_mask_dpbusd_epi32(c61, 0xFF, x, b1)
            x = _mm256_set1_epi32(a7.loadUnaligned(fromByteOffset: off, as: Int32.self))
            c70 = _mm256_mask_dpbusd_epi32(c70, 0xFF, x, b0); c71 = _mm256_mask_dpbusd_epi32(c71, 0xFF, x, b1)
            w += 64
            off += 4
        }
        let sums = UnsafeRawPointer(columnSums128)
        let t0 = _mm256_loadu_si256(sums.assumingMemoryBound(to: __m256i.self))
        let t1 = _mm256_loadu_si256((sums + 32).assumingMemoryBound(to: __m256i.self))
        let s0 = _mm256_loadu_ps(colScales), s1 = _mm256_loadu_ps(colScales + 8)
        @inline(__always) func store(_ lo: __m256i, _ hi: __m256i, _ r: Int) {
            let scale = _mm256_set1_ps(rowScales[r])
            let vLo = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(lo, t0)), _mm256_mul_ps(scale, s0))
            let vHi = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(hi, t1)), _mm256_mul_ps(scale, s1))
            let row = c + r * ldc
            if cols == 16 { _mm256_storeu_ps(row, vLo); _mm256_storeu_ps(row + 8, vHi); return }
            _mm256_maskstore_ps(row, tailMask(cols), vLo)
            if cols > 8 { _mm256_maskstore_ps(row + 8, tailMask(cols - 8), vHi) }
        }
        store(c00, c01, 0)
        if rows > 1 { store(c10, c11, 1) }
        if rows > 2 { store(c20, c21, 2) }
        if rows > 3 { store(c30, c31, 3) }
        if rows > 4 { store(c40, c41, 4) }
        if rows > 5 { store(c50, c51, 5) }
        if rows > 6 { store(c60, c61, 6) }
        if rows > 7 { store(c70, c71, 7) }
    }

    @inline(__always)
    static func tailMask(_ n: Int) -> __m256i {
        if n >= 8 { return _mm256_set1_epi32(-1) }
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(Int32(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
    }
}
#endif
