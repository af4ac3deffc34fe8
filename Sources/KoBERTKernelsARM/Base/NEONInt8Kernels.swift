// The ARMv8.0 int8 tile (Cortex-A53/A55/A72): no dot-product instruction, so for each (row, column)
// smull multiplies 8 int8 pairs into int16, smlal2 adds the next 8 to the same lanes, and sadalp folds the
// int16 pair sums into int32. |a| ≤ 127 (the quantizer never gives −128) and |w| ≤ 128, so a lane holds
// at most 2 · 127 · 128 = 32512 < 32767: the sums are exact, bit-identical to the scalar reference.
#if arch(arm64)
import _Builtin_intrinsics.arm.neon

public enum NEONInt8Kernels {
    public static let tileRows = 4

    /// Rows ≤ 4 of int8 activations (row-major, stride lda, 16 · blocks bytes each, zero-padded) times one
    /// neon-packed panel (ARMInt8Weight: 256 bytes per 16-k block). Writes the exact int32 sums of 16
    /// columns for each row to sums[r · 16 + j].
    @inline(never)
    public static func tile(blocks: Int, a: UnsafePointer<Int8>, lda: Int, rows: Int, panel: UnsafePointer<Int8>,
                            sums: UnsafeMutablePointer<Int32>) {
        let a0 = UnsafeRawPointer(a), a1 = UnsafeRawPointer(a + min(1, rows - 1) * lda)
        let a2 = UnsafeRawPointer(a + min(2, rows - 1) * lda), a3 = UnsafeRawPointer(a + min(3, rows - 1) * lda)
        // Four columns at a time: 16 accumulators (4 rows × 4 columns), each 4 partial int32 sums.
        for group in 0..<4 {
            var c00 = SIMD4<Int32>(), c01 = SIMD4<Int32>(), c02 = SIMD4<Int32>(), c03 = SIMD4<Int32>()
            var c10 = SIMD4<Int32>(), c11 = SIMD4<Int32>(), c12 = SIMD4<Int32>(), c13 = SIMD4<Int32>()
            var c20 = SIMD4<Int32>(), c21 = SIMD4<Int32>(), c22 = SIMD4<Int32>(), c23 = SIMD4<Int32>()
            var c30 = SIMD4<Int32>(), c31 = SIMD4<Int32>(), c32 = SIMD4<Int32>(), c33 = SIMD4<Int32>()
            var w = UnsafeRawPointer(panel) + group * 64
            var off = 0
            for _ in 0..<blocks {
                let b0 = w.loadUnaligned(as: SIMD16<Int8>.self), b1 = w.loadUnaligned(fromByteOffset: 16, as: SIMD16<Int8>.self)
                let b2 = w.loadUnaligned(fromByteOffset: 32, as: SIMD16<Int8>.self), b3 = w.loadUnaligned(fromByteOffset: 48, as: SIMD16<Int8>.self)
                var x = a0.loadUnaligned(fromByteOffset: off, as: SIMD16<Int8>.self)
                multiplyAccumulate(x, b0, b1, b2, b3, &c00, &c01, &c02, &c03)
                x = a1.loadUnaligned(fromByteOffset: off, as: SIMD16<Int8>.self)
                multiplyAccumulate(x, b0, b1, b2, b3, &c10, &c11, &c12, &c13)
                x = a2.loadUnaligned(fromByteOffset: off, as: SIMD16<Int8>.self)
                multiplyAccumulate(x, b0, b1, b2, b3, &c20, &c21, &c22, &c23)
                x = a3.loadUnaligned(fromByteOffset: off, as: SIMD16<Int8>.self)
                multiplyAccumulate(x, b0, b1, b2, b3, &c30, &c31, &c32, &c33)
                w += 256
                off += 16
            }
            let out = sums + 4 * group
            store(c00, c01, c02, c03, out)
            if rows > 1 { store(c10, c11, c12, c13, out + 16) }
            if rows > 2 { store(c20, c21, c22, c23, out + 32) }
            if rows > 3 { store(c30, c31, c32, c33, out + 48) }
        }
    }

    @inline(__always)
    static func multiplyAccumulate(_ x: SIMD16<Int8>, _ b0: SIMD16<Int8>, _ b1: SIMD16<Int8>, _ b2: SIMD16<Int8>,
                                   _ b3: SIMD16<Int8>, _ c0: inout SIMD4<Int32>, _ c1: inout SIMD4<Int32>,
                                   _ c2: inout SIMD4<Int32>, _ c3: inout SIMD4<Int32>) {
        let low = vget_low_s8(x)
        c0 = vpadalq_s16(c0, vmlal_high_s8(vmull_s8(low, vget_low_s8(b0)), x, b0))
        c1 = vpadalq_s16(c1, vmlal_high_s8(vmull_s8(low, vget_low_s8(b1)), x, b1))
        c2 = vpadalq_s16(c2, vmlal_high_s8(vmull_s8(low, vget_low_s8(b2)), x, b2))
        c3 = vpadalq_s16(c3, vmlal_high_s8(vmull_s8(low, vget_low_s8(b3)), x, b3))
    }

    /// Each accumulator's 4 partial sums → one column: two rounds of pairwise adds give [c0, c1, c2, c3].
    @inline(__always)
    static func store(_ c0: SIMD4<Int32>, _ c1: SIMD4<Int32>, _ c2: SIMD4<Int32>, _ c3: SIMD4<Int32>,
                      _ out: UnsafeMutablePointer<Int32>) {
        let total = vpaddq_s32(vpaddq_s32(c0, c1), vpaddq_s32(c2, c3))
        UnsafeMutableRawPointer(out).storeBytes(of: total, as: SIMD4<Int32>.self)
    }
}
#endif
