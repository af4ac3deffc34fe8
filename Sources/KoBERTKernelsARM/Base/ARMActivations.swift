// Activations for the AArch64 int8 tiers: per-row quantization (the rule of KoBERTKernels'
// ActivationQuantizer, vectorised with NEON and bit-identical to its scalar twin here), then the int16
// quanta narrowed to int8 in the layout the tier's kernel reads.
#if arch(arm64)
import _Builtin_intrinsics.arm.neon

public enum ARMActivations {
    /// Scalar twin of ActivationQuantizer.reference: v = x·inv, scale = max|v| / 127,
    /// q = clamp(roundHalfToEven(v · (127 / max|v|)), ±127), NaN → 0; all-zero or non-finite max → q = 0, scale 0.
    public static func quantizeRowReference(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?,
                                            _ q: UnsafeMutablePointer<Int16>) -> Float {
        var maxAbs: Float = 0
        for i in 0..<k {
            let v = inv.map { x[i] * $0[i] } ?? x[i]
            maxAbs = max(maxAbs, abs(v))
        }
        guard maxAbs > 0, maxAbs.isFinite else { for i in 0..<k { q[i] = 0 }; return 0 }
        let factor = 127 / maxAbs
        for i in 0..<k {
            let v = inv.map { x[i] * $0[i] } ?? x[i]
            let r = (v * factor).rounded(.toNearestOrEven)
            q[i] = r >= 127 ? 127 : (r <= -127 ? -127 : (r.isNaN ? 0 : Int16(r)))
        }
        return maxAbs / 127
    }

    /// The same rule, 8 lanes at a time. fmaxnm skips NaN as Swift's max does; fcvtns rounds half to even,
    /// sends NaN to 0 and saturates, so clamping its int32 to ±127 equals the scalar rule exactly.
    @inline(never)
    public static func quantizeRow(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?,
                                   _ q: UnsafeMutablePointer<Int16>) -> Float {
        @inline(__always) func load(_ i: Int) -> SIMD4<Float> {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self)
            guard let inv else { return v }
            return vmulq_f32(v, UnsafeRawPointer(inv + i).loadUnaligned(as: SIMD4<Float>.self))
        }
        var m0 = SIMD4<Float>(repeating: 0), m1 = SIMD4<Float>(repeating: 0)
        var i = 0
        while i + 8 <= k {
            m0 = vmaxnmq_f32(m0, vabsq_f32(load(i)))
            m1 = vmaxnmq_f32(m1, vabsq_f32(load(i + 4)))
            i += 8
        }
        var maxAbs = vmaxnmvq_f32(vmaxnmq_f32(m0, m1))
        while i < k { let v = inv.map { x[i] * $0[i] } ?? x[i]; maxAbs = max(maxAbs, abs(v)); i += 1 }
        guard maxAbs > 0, maxAbs.isFinite else { for j in 0..<k { q[j] = 0 }; return 0 }
        let factor = 127 / maxAbs
        let f = SIMD4<Float>(repeating: factor), hi = SIMD4<Int32>(repeating: 127), lo = SIMD4<Int32>(repeating: -127)
        i = 0
        while i + 8 <= k {
            let r0 = vminq_s32(vmaxq_s32(vcvtnq_s32_f32(vmulq_f32(load(i), f)), lo), hi)
            let r1 = vminq_s32(vmaxq_s32(vcvtnq_s32_f32(vmulq_f32(load(i + 4), f)), lo), hi)
            UnsafeMutableRawPointer(q + i).storeBytes(of: vcombine_s16(vmovn_s32(r0), vmovn_s32(r1)), as: SIMD8<Int16>.self)
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

    /// Bytes the int8 activations of `rows` rows take for a weight of this tier and padded k
    /// (dotprod and i8mm interleave row pairs, so an odd row count gets a zero partner row).
    public static func byteCount(_ tier: ARMInt8Tier, rows: Int, paddedK: Int) -> Int {
        (tier == .neon ? rows : (rows + 1) / 2 * 2) * paddedK
    }

    /// int16 quanta (−127…127, rows of stride ldq ≥ k) → int8, zero-padded to paddedK:
    ///   neon: row-major, row r at r · paddedK;
    ///   dotprod, i8mm: row pairs, pair p's 8-k octet o at (p · paddedK/8 + o) · 16: 8 bytes of row 2p, then
    ///   8 of row 2p+1 (one 16-byte load gives SMMLA its 2 × 8 block, SDOT two rows' two quads).
    @inline(never)
    public static func narrow(_ tier: ARMInt8Tier, quanta: UnsafePointer<Int16>, ldq: Int, rows: Int, k: Int,
                              paddedK: Int, into a: UnsafeMutablePointer<Int8>) {
        let paired = tier != .neon, storedRows = paired ? (rows + 1) / 2 * 2 : rows
        for r in 0..<storedRows {
            // Where 8 consecutive k of row r go, and the distance from one group of 8 to the next.
            let start: Int, stride: Int
            if paired { start = (r / 2) * 2 * paddedK + (r % 2) * 8; stride = 16 } else { start = r * paddedK; stride = 8 }
            let dst = UnsafeMutableRawPointer(a + start)
            if r >= rows {
                for o in 0..<(paddedK / 8) { dst.storeBytes(of: UInt64(0), toByteOffset: o * stride, as: UInt64.self) }
                continue
            }
            let src = quanta + r * ldq
            var o = 0
            while 8 * o + 8 <= k {
                let v = UnsafeRawPointer(src + 8 * o).loadUnaligned(as: SIMD8<Int16>.self)
                dst.storeBytes(of: vmovn_s16(v), toByteOffset: o * stride, as: SIMD8<Int8>.self)
                o += 1
            }
            while 8 * o < paddedK {
                var group = SIMD8<Int8>(repeating: 0)
                for t in 0..<8 where 8 * o + t < k { group[t] = Int8(truncatingIfNeeded: src[8 * o + t]) }
                dst.storeBytes(of: group, toByteOffset: o * stride, as: SIMD8<Int8>.self)
                o += 1
            }
        }
    }
}
#endif
