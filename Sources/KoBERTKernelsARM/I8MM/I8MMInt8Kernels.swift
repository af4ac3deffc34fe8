// The ARMv8.6 int8 matrix-multiply tile (Neoverse V1/N2, Graviton3). Its own module, compiled with
// +i8mm, entered only after getauxval reported HWCAP2_I8MM. SMMLA multiplies a 2×8 int8 block of
// activations by an 8×2 block of weights into a 2×2 int32 block: 32 exact MACs per instruction.
#if arch(arm64)
import _Builtin_intrinsics.arm.neon

public enum I8MMInt8Kernels {
    public static let tileRows = 8

    /// Row pairs ≤ 4 of int8 activations in pair layout (pair p's 8-k octet o at (p · octets + o) · 16:
    /// 8 bytes of its first row, 8 of its second) times one i8mm-packed panel (128 bytes per octet: column
    /// pair q's 2 × 8 bytes at 16q). Writes the exact int32 sums of 16 columns for each of the 2 · rowPairs
    /// rows to sums[r · 16 + j]. Two 8 × 8 halves, 16 accumulators each.
    // export(interface): clients call this body, never copy it; a copy would be compiled without the feature.
    @export(interface) @inline(never)
    public static func tile(octets: Int, a: UnsafePointer<Int8>, rowPairs: Int, panel: UnsafePointer<Int8>,
                            sums: UnsafeMutablePointer<Int32>) {
        let pairBytes = octets * 16
        let p0 = UnsafeRawPointer(a), p1 = UnsafeRawPointer(a + min(1, rowPairs - 1) * pairBytes)
        let p2 = UnsafeRawPointer(a + min(2, rowPairs - 1) * pairBytes), p3 = UnsafeRawPointer(a + min(3, rowPairs - 1) * pairBytes)
        for half in 0..<2 {
            var c00 = SIMD4<Int32>(), c01 = SIMD4<Int32>(), c02 = SIMD4<Int32>(), c03 = SIMD4<Int32>()
            var c10 = SIMD4<Int32>(), c11 = SIMD4<Int32>(), c12 = SIMD4<Int32>(), c13 = SIMD4<Int32>()
            var c20 = SIMD4<Int32>(), c21 = SIMD4<Int32>(), c22 = SIMD4<Int32>(), c23 = SIMD4<Int32>()
            var c30 = SIMD4<Int32>(), c31 = SIMD4<Int32>(), c32 = SIMD4<Int32>(), c33 = SIMD4<Int32>()
            var w = UnsafeRawPointer(panel) + half * 64
            var off = 0
            for _ in 0..<octets {
                let b0 = w.loadUnaligned(as: SIMD16<Int8>.self), b1 = w.loadUnaligned(fromByteOffset: 16, as: SIMD16<Int8>.self)
                let b2 = w.loadUnaligned(fromByteOffset: 32, as: SIMD16<Int8>.self), b3 = w.loadUnaligned(fromByteOffset: 48, as: SIMD16<Int8>.self)
                var x = p0.loadUnaligned(fromByteOffset: off, as: SIMD16<Int8>.self)
                c00 = vmmlaq_s32(c00, x, b0); c01 = vmmlaq_s32(c01, x, b1); c02 = vmmlaq_s32(c02, x, b2); c03 = vmmlaq_s32(c03, x, b3)
                x = p1.loadUnaligned(fromByteOffset: off, as: SIMD16<Int8>.self)
                c10 = vmmlaq_s32(c10, x, b0); c11 = vmmlaq_s32(c11, x, b1); c12 = vmmlaq_s32(c12, x, b2); c13 = vmmlaq_s32(c13, x, b3)
                x = p2.loadUnaligned(fromByteOffset: off, as: SIMD16<Int8>.self)
                c20 = vmmlaq_s32(c20, x, b0); c21 = vmmlaq_s32(c21, x, b1); c22 = vmmlaq_s32(c22, x, b2); c23 = vmmlaq_s32(c23, x, b3)
                x = p3.loadUnaligned(fromByteOffset: off, as: SIMD16<Int8>.self)
                c30 = vmmlaq_s32(c30, x, b0); c31 = vmmlaq_s32(c31, x, b1); c32 = vmmlaq_s32(c32, x, b2); c33 = vmmlaq_s32(c33, x, b3)
                w += 128
                off += 16
            }
            let out = sums + 8 * half
            store(c00, c01, c02, c03, out)
            if rowPairs > 1 { store(c10, c11, c12, c13, out + 32) }
            if rowPairs > 2 { store(c20, c21, c22, c23, out + 64) }
            if rowPairs > 3 { store(c30, c31, c32, c33, out + 96) }
        }
    }

    /// Each accumulator is [r0·c0, r0·c1, r1·c0, r1·c1] of one column pair: the first 64-bit halves of the
    /// four make the pair's first row (8 columns), the second halves its second row.
    @inline(__always)
    static func store(_ c0: SIMD4<Int32>, _ c1: SIMD4<Int32>, _ c2: SIMD4<Int32>, _ c3: SIMD4<Int32>,
                      _ out: UnsafeMutablePointer<Int32>) {
        let q0 = unsafeBitCast(c0, to: SIMD2<Int64>.self), q1 = unsafeBitCast(c1, to: SIMD2<Int64>.self)
        let q2 = unsafeBitCast(c2, to: SIMD2<Int64>.self), q3 = unsafeBitCast(c3, to: SIMD2<Int64>.self)
        let raw = UnsafeMutableRawPointer(out)
        raw.storeBytes(of: SIMD2<Int64>(q0[0], q1[0]), as: SIMD2<Int64>.self)
        raw.storeBytes(of: SIMD2<Int64>(q2[0], q3[0]), toByteOffset: 16, as: SIMD2<Int64>.self)
        raw.storeBytes(of: SIMD2<Int64>(q0[1], q1[1]), toByteOffset: 64, as: SIMD2<Int64>.self)
        raw.storeBytes(of: SIMD2<Int64>(q2[1], q3[1]), toByteOffset: 80, as: SIMD2<Int64>.self)
    }
}
#endif
