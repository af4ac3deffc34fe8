// The AArch64 int8 product: int8 activations (ARMActivations.narrow) × a packed weight (ARMInt8Weight)
// for a range of panels, tile by tile through the tier's kernel into exact int32 sums, then dequantized
//   C[r][j] = Float(Σ) · (rowScales[r] · colScales[j])
// as every KoBERTKernels family does. The bias and activation epilogue follows in the caller.
#if arch(arm64)
import _Builtin_intrinsics.arm.neon
import KoBERTKernelsARMDotProd
import KoBERTKernelsARMI8MM

public enum ARMInt8GEMM {
    public static func tileRows(_ tier: ARMInt8Tier) -> Int {
        switch tier {
        case .neon: return NEONInt8Kernels.tileRows
        case .dotprod: return DotProdInt8Kernels.tileRows
        case .i8mm: return I8MMInt8Kernels.tileRows
        }
    }

    /// Dequantized product for panels `panels` of the weight (the caller splits panels over threads).
    /// a: `ARMActivations.narrow` output for `m` rows; c: m rows of stride ldc ≥ weight.n; rowScales m values,
    /// colScales weight.n values. The tier must be the weight's and one this CPU runs (KernelFamily.available).
    public static func run(_ tier: ARMInt8Tier, a: UnsafePointer<Int8>, m: Int, weight: ARMInt8Weight,
                           rowScales: UnsafePointer<Float>, colScales: UnsafePointer<Float>,
                           c: UnsafeMutablePointer<Float>, ldc: Int, panels: Range<Int>) {
        forEachTile(tier, a: a, m: m, weight: weight, panels: panels) { sums, i0, rows, j0, cols in
            dequantize(sums, rows: rows, cols: cols, rowScales: rowScales + i0, colScales: colScales + j0,
                       c: c + i0 * ldc + j0, ldc: ldc)
        }
    }

    /// The raw int32 sums of the same product into out (m rows of stride ldo), for the bit-exact checks.
    public static func sums(_ tier: ARMInt8Tier, a: UnsafePointer<Int8>, m: Int, weight: ARMInt8Weight,
                            into out: UnsafeMutablePointer<Int32>, ldo: Int, panels: Range<Int>) {
        forEachTile(tier, a: a, m: m, weight: weight, panels: panels) { sums, i0, rows, j0, cols in
            for r in 0..<rows { for j in 0..<cols { out[(i0 + r) * ldo + j0 + j] = sums[r * 16 + j] } }
        }
    }

    /// Runs every row tile of every panel in `panels`; `body` gets the tile's sums (stride 16), its first
    /// row, row count, first column and column count.
    @inline(__always)
    static func forEachTile(_ tier: ARMInt8Tier, a: UnsafePointer<Int8>, m: Int, weight: ARMInt8Weight, panels: Range<Int>,
                            _ body: (UnsafePointer<Int32>, Int, Int, Int, Int) -> Void) {
        guard m > 0, weight.n > 0 else { return }
        let width = ARMInt8Weight.panelWidth, mr = tileRows(tier), kp = weight.paddedK
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 8 * width) { buffer in
            let sums = buffer.baseAddress!
            for p in panels {
                let j0 = p * width, cols = min(width, weight.n - j0), panel = weight.panel(p)
                var i0 = 0
                while i0 < m {
                    let rows = min(mr, m - i0)
                    switch tier {
                    case .neon:
                        NEONInt8Kernels.tile(blocks: kp / 16, a: a + i0 * kp, lda: kp, rows: rows, panel: panel, sums: sums)
                    case .dotprod:   // i0 is even (tiles of 4 rows), so the tile starts on a row pair
                        DotProdInt8Kernels.tile(octets: kp / 8, a: a + i0 * kp, rows: rows, panel: panel, sums: sums)
                    case .i8mm:      // likewise (tiles of 8 rows)
                        I8MMInt8Kernels.tile(octets: kp / 8, a: a + i0 * kp, rowPairs: (rows + 1) / 2, panel: panel, sums: sums)
                    }
                    body(UnsafePointer(sums), i0, rows, j0, cols)
                    i0 += mr
                }
            }
        }
    }

    /// Four columns at a time with NEON (scvtf, fmul: the same two roundings as the scalar rule).
    @inline(__always)
    static func dequantize(_ sums: UnsafePointer<Int32>, rows: Int, cols: Int, rowScales: UnsafePointer<Float>,
                           colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for r in 0..<rows {
            let rowScale = SIMD4<Float>(repeating: rowScales[r]), row = c + r * ldc
            var j = 0
            while j + 4 <= cols {
                let acc = UnsafeRawPointer(sums + r * 16 + j).loadUnaligned(as: SIMD4<Int32>.self)
                let scale = vmulq_f32(rowScale, UnsafeRawPointer(colScales + j).loadUnaligned(as: SIMD4<Float>.self))
                UnsafeMutableRawPointer(row + j).storeBytes(of: vmulq_f32(vcvtq_f32_s32(acc), scale), as: SIMD4<Float>.self)
                j += 4
            }
            while j < cols { row[j] = Float(sums[r * 16 + j]) * (rowScales[r] * colScales[j]); j += 1 }
        }
    }
}

/// Scalar twins: what every tier must reproduce, written from the definitions and reading the weight in
/// its PyTorch layout [n][k], so a packing mistake shows as well as a kernel one.
public enum ARMInt8Reference {
    /// out[r][j] = Σ_k q[r][k] · w[j][k] (int32, exact for |q| ≤ 127 and k ≤ 2^17).
    public static func sums(quanta q: UnsafePointer<Int16>, ldq: Int, m: Int, weights w: UnsafePointer<Int8>, n: Int, k: Int,
                            into out: UnsafeMutablePointer<Int32>, ldo: Int) {
        for r in 0..<m {
            for j in 0..<n {
                var acc: Int32 = 0
                for kk in 0..<k { acc &+= Int32(q[r * ldq + kk]) &* Int32(w[j * k + kk]) }
                out[r * ldo + j] = acc
            }
        }
    }

    /// C[r][j] = Float(sums[r][j]) · (rowScales[r] · colScales[j]).
    public static func dequantize(_ sums: UnsafePointer<Int32>, lds: Int, m: Int, n: Int, rowScales: UnsafePointer<Float>,
                                  colScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for r in 0..<m { for j in 0..<n { c[r * ldc + j] = Float(sums[r * lds + j]) * (rowScales[r] * colScales[j]) } }
    }
}
#endif
