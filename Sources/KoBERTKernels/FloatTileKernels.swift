/// One tile of an fp32 product: C[rows × cols] (+)= alpha · A[rows × kc] · P[kc × 16], where P is one
/// packed panel (see FloatPanels) and rows ≤ `tileRows` of the family. The first block of a product
/// overwrites C (accumulate false); later k-blocks add.
enum FloatTileKernels {
    static func reference(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool) {
        for r in 0..<rows {
            for j in 0..<cols {
                var sum: Float = 0
                for kk in 0..<kc { sum += a[r * lda + kk] * panel[kk * FloatPanels.width + j] }
                c[r * ldc + j] = (accumulate ? c[r * ldc + j] : 0) + alpha * sum
            }
        }
    }

    /// 4 rows × 16 columns in Swift SIMD: 8 SIMD8 accumulators; rows past `rows` reuse the last row and are dropped.
    static func generic4x16(kc: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, accumulate: Bool) {
        let a0 = a, a1 = a + min(1, rows - 1) * lda, a2 = a + min(2, rows - 1) * lda, a3 = a + min(3, rows - 1) * lda
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        let raw = UnsafeRawPointer(panel)
        for kk in 0..<kc {
            let b0 = raw.loadUnaligned(fromByteOffset: kk * 64, as: SIMD8<Float>.self)
            let b1 = raw.loadUnaligned(fromByteOffset: kk * 64 + 32, as: SIMD8<Float>.self)
            let x0 = SIMD8(repeating: a0[kk]), x1 = SIMD8(repeating: a1[kk])
            let x2 = SIMD8(repeating: a2[kk]), x3 = SIMD8(repeating: a3[kk])
            c00 = multiplyAdd(x0, b0, c00); c01 = multiplyAdd(x0, b1, c01)
            c10 = multiplyAdd(x1, b0, c10); c11 = multiplyAdd(x1, b1, c11)
            c20 = multiplyAdd(x2, b0, c20); c21 = multiplyAdd(x2, b1, c21)
            c30 = multiplyAdd(x3, b0, c30); c31 = multiplyAdd(x3, b1, c31)
        }
        storeRow(c00, c01, c, cols: cols, alpha: alpha, accumulate: accumulate)
        if rows > 1 { storeRow(c10, c11, c + ldc, cols: cols, alpha: alpha, accumulate: accumulate) }
        if rows > 2 { storeRow(c20, c21, c + 2 * ldc, cols: cols, alpha: alpha, accumulate: accumulate) }
        if rows > 3 { storeRow(c30, c31, c + 3 * ldc, cols: cols, alpha: alpha, accumulate: accumulate) }
    }

    @inline(__always)
    static func storeRow(_ lo: SIMD8<Float>, _ hi: SIMD8<Float>, _ row: UnsafeMutablePointer<Float>,
                         cols: Int, alpha: Float, accumulate: Bool) {
        if cols == 16 {
            var outLo = alpha * lo, outHi = alpha * hi
            if accumulate {
                outLo += UnsafeRawPointer(row).loadUnaligned(as: SIMD8<Float>.self)
                outHi += UnsafeRawPointer(row + 8).loadUnaligned(as: SIMD8<Float>.self)
            }
            UnsafeMutableRawPointer(row).storeBytes(of: outLo, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(row + 8).storeBytes(of: outHi, as: SIMD8<Float>.self)
        } else {
            for j in 0..<cols {
                let v = alpha * (j < 8 ? lo[j] : hi[j - 8])
                row[j] = accumulate ? row[j] + v : v
            }
        }
    }

    /// Fused multiply-add where the CPU has it in the baseline (AArch64); mul + add elsewhere, because
    /// without FMA in the target LLVM would call fmaf per lane.
    @inline(__always)
    static func multiplyAdd(_ x: SIMD8<Float>, _ y: SIMD8<Float>, _ acc: SIMD8<Float>) -> SIMD8<Float> {
        #if arch(arm64)
        return acc.addingProduct(x, y)
        #else
        return acc + x * y
        #endif
    }
}
