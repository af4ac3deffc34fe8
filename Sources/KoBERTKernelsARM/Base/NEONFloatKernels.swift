// The fp32 tile with NEON FMA, for every AArch64 tier (Advanced SIMD and fmla are ARMv8.0):
// C[rows × cols] (+)= alpha · A[rows × kc] · P[kc × 16], P one FloatPanels panel (k-major, 16 floats per k),
// the contract of KoBERTKernels' FloatTileKernels. Fused multiply-adds round once per step where the scalar
// twin rounds twice, so results differ from it within the bound Tools/arm/harness.c states.
#if arch(arm64)
import _Builtin_intrinsics.arm.neon

public enum NEONFloatKernels {
    public static let tileRows = 8

    /// rows ≤ 8, cols ≤ 16. Two halves of 8 columns; in each, 8 rows × 8 columns in 16 accumulators, and
    /// every 16-byte load of a row gives 4 k, each fed to fmla's by-element form (the splat folds into it).
    @inline(never)
    public static func tile(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool) {
        let r0 = a, r1 = a + min(1, rows - 1) * lda, r2 = a + min(2, rows - 1) * lda, r3 = a + min(3, rows - 1) * lda
        let r4 = a + min(4, rows - 1) * lda, r5 = a + min(5, rows - 1) * lda
        let r6 = a + min(6, rows - 1) * lda, r7 = a + min(7, rows - 1) * lda
        for half in 0..<2 where 8 * half < cols {
            var c00 = SIMD4<Float>(), c01 = SIMD4<Float>(), c10 = SIMD4<Float>(), c11 = SIMD4<Float>()
            var c20 = SIMD4<Float>(), c21 = SIMD4<Float>(), c30 = SIMD4<Float>(), c31 = SIMD4<Float>()
            var c40 = SIMD4<Float>(), c41 = SIMD4<Float>(), c50 = SIMD4<Float>(), c51 = SIMD4<Float>()
            var c60 = SIMD4<Float>(), c61 = SIMD4<Float>(), c70 = SIMD4<Float>(), c71 = SIMD4<Float>()
            let b = UnsafeRawPointer(panel + 8 * half)
            @inline(__always) func step(_ kk: Int, _ x0: SIMD4<Float>, _ x1: SIMD4<Float>, _ x2: SIMD4<Float>, _ x3: SIMD4<Float>,
                                        _ x4: SIMD4<Float>, _ x5: SIMD4<Float>, _ x6: SIMD4<Float>, _ x7: SIMD4<Float>, _ lane: Int) {
                let b0 = b.loadUnaligned(fromByteOffset: kk * 64, as: SIMD4<Float>.self)
                let b1 = b.loadUnaligned(fromByteOffset: kk * 64 + 16, as: SIMD4<Float>.self)
                var s = SIMD4<Float>(repeating: x0[lane]); c00 = vfmaq_f32(c00, b0, s); c01 = vfmaq_f32(c01, b1, s)
                s = SIMD4<Float>(repeating: x1[lane]); c10 = vfmaq_f32(c10, b0, s); c11 = vfmaq_f32(c11, b1, s)
                s = SIMD4<Float>(repeating: x2[lane]); c20 = vfmaq_f32(c20, b0, s); c21 = vfmaq_f32(c21, b1, s)
                s = SIMD4<Float>(repeating: x3[lane]); c30 = vfmaq_f32(c30, b0, s); c31 = vfmaq_f32(c31, b1, s)
                s = SIMD4<Float>(repeating: x4[lane]); c40 = vfmaq_f32(c40, b0, s); c41 = vfmaq_f32(c41, b1, s)
                s = SIMD4<Float>(repeating: x5[lane]); c50 = vfmaq_f32(c50, b0, s); c51 = vfmaq_f32(c51, b1, s)
                s = SIMD4<Float>(repeating: x6[lane]); c60 = vfmaq_f32(c60, b0, s); c61 = vfmaq_f32(c61, b1, s)
                s = SIMD4<Float>(repeating: x7[lane]); c70 = vfmaq_f32(c70, b0, s); c71 = vfmaq_f32(c71, b1, s)
            }
            @inline(__always) func load(_ row: UnsafePointer<Float>, _ kk: Int) -> SIMD4<Float> {
                UnsafeRawPointer(row + kk).loadUnaligned(as: SIMD4<Float>.self)
            }
            var kk = 0
            while kk + 4 <= kc {
                let x0 = load(r0, kk), x1 = load(r1, kk), x2 = load(r2, kk), x3 = load(r3, kk)
                let x4 = load(r4, kk), x5 = load(r5, kk), x6 = load(r6, kk), x7 = load(r7, kk)
                for lane in 0..<4 { step(kk + lane, x0, x1, x2, x3, x4, x5, x6, x7, lane) }
                kk += 4
            }
            while kk < kc {   // the last kc mod 4: one value of each row, in lane 0
                let x0 = SIMD4<Float>(repeating: r0[kk]), x1 = SIMD4<Float>(repeating: r1[kk])
                let x2 = SIMD4<Float>(repeating: r2[kk]), x3 = SIMD4<Float>(repeating: r3[kk])
                let x4 = SIMD4<Float>(repeating: r4[kk]), x5 = SIMD4<Float>(repeating: r5[kk])
                let x6 = SIMD4<Float>(repeating: r6[kk]), x7 = SIMD4<Float>(repeating: r7[kk])
                step(kk, x0, x1, x2, x3, x4, x5, x6, x7, 0)
                kk += 1
            }
            let out = c + 8 * half, width = min(8, cols - 8 * half)
            store(c00, c01, out, width, alpha, accumulate)
            if rows > 1 { store(c10, c11, out + ldc, width, alpha, accumulate) }
            if rows > 2 { store(c20, c21, out + 2 * ldc, width, alpha, accumulate) }
            if rows > 3 { store(c30, c31, out + 3 * ldc, width, alpha, accumulate) }
            if rows > 4 { store(c40, c41, out + 4 * ldc, width, alpha, accumulate) }
            if rows > 5 { store(c50, c51, out + 5 * ldc, width, alpha, accumulate) }
            if rows > 6 { store(c60, c61, out + 6 * ldc, width, alpha, accumulate) }
            if rows > 7 { store(c70, c71, out + 7 * ldc, width, alpha, accumulate) }
        }
    }

    /// 8 columns of one row: alpha · acc, plus the old value when accumulating; `width` < 8 stores lane by lane.
    @inline(__always)
    static func store(_ lo: SIMD4<Float>, _ hi: SIMD4<Float>, _ row: UnsafeMutablePointer<Float>, _ width: Int,
                      _ alpha: Float, _ accumulate: Bool) {
        var outLo = vmulq_n_f32(lo, alpha), outHi = vmulq_n_f32(hi, alpha)
        if width == 8 {
            if accumulate {
                outLo = vaddq_f32(outLo, UnsafeRawPointer(row).loadUnaligned(as: SIMD4<Float>.self))
                outHi = vaddq_f32(outHi, UnsafeRawPointer(row + 4).loadUnaligned(as: SIMD4<Float>.self))
            }
            UnsafeMutableRawPointer(row).storeBytes(of: outLo, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(row + 4).storeBytes(of: outHi, as: SIMD4<Float>.self)
            return
        }
        for j in 0..<width {
            let v = j < 4 ? outLo[j] : outHi[j - 4]
            row[j] = accumulate ? row[j] + v : v
        }
    }

    /// Scalar twin, FloatTileKernels.reference: each product and sum rounded on its own, k in order.
    public static func reference(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool) {
        for r in 0..<rows {
            for j in 0..<cols {
                var sum: Float = 0
                for kk in 0..<kc { sum += a[r * lda + kk] * panel[kk * 16 + j] }
                c[r * ldc + j] = (accumulate ? c[r * ldc + j] : 0) + alpha * sum
            }
        }
    }
}
#endif
