/// Dynamic per-token (per-row) quantization of activations, at run time before each int8 product:
///   v = x[k] · invChannelScale[k] (when smoothing), scale = max|v| / 127, q = clamp(roundHalfToEven(v · (127 / max|v|)), ±127).
/// Written as int16 (what the kernels multiply), rows padded to an even length with zeros.
/// Every family computes the same float operations in the same order, so their q are identical.
enum ActivationQuantizer {
    static func quantize(_ family: KernelFamily, x: UnsafePointer<Float>, rows: Int, k: Int,
                         invChannelScales: UnsafePointer<Float>?,
                         into q: UnsafeMutablePointer<Int16>, ldq: Int, scales: UnsafeMutablePointer<Float>) {
        quantize(family.kernels, x: x, rows: rows, k: k, invChannelScales: invChannelScales, into: q, ldq: ldq, scales: scales)
    }

    private static func quantize<K: KernelSet>(_ kernels: K.Type, x: UnsafePointer<Float>, rows: Int, k: Int,
                                               invChannelScales: UnsafePointer<Float>?,
                                               into q: UnsafeMutablePointer<Int16>, ldq: Int, scales: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let src = x + r * k, dst = q + r * ldq
            scales[r] = K.quantizeRow(src, k, invChannelScales, dst)
            if ldq > k { for i in k..<ldq { dst[i] = 0 } }
        }
    }

    static func reference(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?, _ q: UnsafeMutablePointer<Int16>) -> Float {
        var maxAbs: Float = 0
        for i in 0..<k {
            let v = inv.map { x[i] * $0[i] } ?? x[i]
            maxAbs = max(maxAbs, abs(v))
        }
        guard maxAbs > 0, maxAbs.isFinite else { for i in 0..<k { q[i] = 0 }; return 0 }
        let factor = 127 / maxAbs
        for i in 0..<k {
            let v = inv.map { x[i] * $0[i] } ?? x[i]
            q[i] = Int16(Int8Quantizer.clampedQuantum(v * factor))
        }
        return maxAbs / 127
    }

    static func generic(_ x: UnsafePointer<Float>, _ k: Int, _ inv: UnsafePointer<Float>?, _ q: UnsafeMutablePointer<Int16>) -> Float {
        @inline(__always) func load(_ i: Int) -> SIMD8<Float> {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            guard let inv else { return v }
            return v * UnsafeRawPointer(inv + i).loadUnaligned(as: SIMD8<Float>.self)
        }
        var maxVec = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= k {
            let v = load(i)
            let magnitude = v.replacing(with: -v, where: v .< 0)
            maxVec = maxVec.replacing(with: magnitude, where: magnitude .> maxVec)
            i += 8
        }
        var maxAbs: Float = 0
        for t in 0..<8 { maxAbs = max(maxAbs, maxVec[t]) }
        while i < k { let v = inv.map { x[i] * $0[i] } ?? x[i]; maxAbs = max(maxAbs, abs(v)); i += 1 }
        guard maxAbs > 0, maxAbs.isFinite else { for j in 0..<k { q[j] = 0 }; return 0 }
        let factor = 127 / maxAbs
        i = 0
        while i + 8 <= k {
            var r = VectorMath.roundedToEven(load(i) * factor)
            r = r.replacing(with: 0, where: r .!= r)
            r = r.replacing(with: 127, where: r .> 127).replacing(with: -127, where: r .< -127)
            for t in 0..<8 { q[i + t] = Int16(r[t]) }   // SIMD integer conversions compile to calls; these do not
            i += 8
        }
        while i < k { let v = inv.map { x[i] * $0[i] } ?? x[i]; q[i] = Int16(Int8Quantizer.clampedQuantum(v * factor)); i += 1 }
        return maxAbs / 127
    }
}
