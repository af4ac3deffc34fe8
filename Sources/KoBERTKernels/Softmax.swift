import Foundation

/// In-place softmax of one row (attention scores, head logits): subtract the max, exponentiate, divide by
/// the sum. The exp is each family's vector exp (≤ 2 ulp-ish vs expf; the oracle uses expf), so families agree
/// to ~1e-7 relative, not bit for bit.
public enum Softmax {
    public static func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        apply(KernelFamily.active, x, count: count)
    }

    static func apply(_ family: KernelFamily, _ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        family.kernels.softmaxRow(x, count)
    }

    /// Scalar twin with Foundation's expf.
    static func reference(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var maximum = -Float.infinity
        for i in 0..<n { maximum = max(maximum, x[i]) }
        var sum: Float = 0
        for i in 0..<n { x[i] = expf(x[i] - maximum); sum += x[i] }
        let inverse = 1 / sum
        for i in 0..<n { x[i] *= inverse }
    }

    /// Swift SIMD (8 lanes) with VectorMath.exp.
    static func generic(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        @inline(__always) func load(_ i: Int) -> SIMD8<Float> { UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) }
        @inline(__always) func store(_ v: SIMD8<Float>, _ i: Int) { UnsafeMutableRawPointer(x + i).storeBytes(of: v, as: SIMD8<Float>.self) }
        var maxVector = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n { let v = load(i); maxVector.replace(with: v, where: v .> maxVector); i += 8 }
        var maximum = maxVector.max()
        while i < n { maximum = max(maximum, x[i]); i += 1 }
        let shift = SIMD8<Float>(repeating: maximum)
        var sumVector = SIMD8<Float>()
        i = 0
        while i + 8 <= n {
            let e = VectorMath.exp(load(i) - shift)   // ≤ 0 after the max is taken off
            store(e, i); sumVector += e; i += 8
        }
        var sum = sumVector.sum()
        while i < n { let e = expf(x[i] - maximum); x[i] = e; sum += e; i += 1 }
        let inverse = 1 / sum
        i = 0
        while i + 8 <= n { store(load(i) * inverse, i); i += 8 }
        while i < n { x[i] *= inverse; i += 1 }
    }
}
