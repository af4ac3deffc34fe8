import Foundation

// Row-wise float helpers for the encoder's non-GEMM work (softmax, LayerNorm, attention dots).
// SIMD8 keeps them portable; the GEMMs themselves live in KoBERTKernels.

@inline(__always) func loadVector(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func storeVector(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Σ a[i]·b[i] over n floats.
@inline(__always) func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        acc0 += loadVector(a + i) * loadVector(b + i)
        acc1 += loadVector(a + i + 8) * loadVector(b + i + 8)
        i += 16
    }
    if i + 8 <= n { acc0 += loadVector(a + i) * loadVector(b + i); i += 8 }
    var sum = (acc0 + acc1).sum()
    while i < n { sum += a[i] * b[i]; i += 1 }
    return sum
}

/// y[i] += alpha · x[i] over n floats.
@inline(__always) func addScaled(_ x: UnsafePointer<Float>, _ alpha: Float, into y: UnsafeMutablePointer<Float>, _ n: Int) {
    let a = SIMD8<Float>(repeating: alpha)
    var i = 0
    while i + 8 <= n { storeVector(loadVector(y + i) + a * loadVector(x + i), y + i); i += 8 }
    while i < n { y[i] += alpha * x[i]; i += 1 }
}

/// e^x for eight lanes (Cephes expf: range reduction by ln 2, degree-5 polynomial, ~1 ulp).
@inline(__always) func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits: a vector round and
    // float → int conversion without the per-lane generic conversion.
    let magic = SIMD8<Float>(repeating: 12_582_912)
    // Lane masks rather than clamped(), which does not specialise into vector min / max.
    var clamped = x
    clamped.replace(with: -87.3, where: clamped .< -87.3)
    clamped.replace(with: 88.3, where: clamped .> 88.3)
    let shifted = clamped * 1.44269504088896341 + magic
    let n = shifted - magic
    let r = clamped - n * 0.693359375 + n * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let y = p * r * r + r + 1
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    return y * unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
}

/// In-place softmax over n floats.
func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    var maxVector = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= n { let v = loadVector(x + i); maxVector.replace(with: v, where: v .> maxVector); i += 8 }
    var maximum = maxVector.max()
    while i < n { maximum = max(maximum, x[i]); i += 1 }
    let shift = SIMD8<Float>(repeating: maximum)
    var sumVector = SIMD8<Float>()
    i = 0
    while i + 8 <= n {
        let e = vectorExp(loadVector(x + i) - shift)
        storeVector(e, x + i); sumVector += e; i += 8
    }
    var sum = sumVector.sum()
    while i < n { let e = expf(x[i] - maximum); x[i] = e; sum += e; i += 1 }
    let inverse = 1 / sum
    i = 0
    while i + 8 <= n { storeVector(loadVector(x + i) * inverse, x + i); i += 8 }
    while i < n { x[i] *= inverse; i += 1 }
}

/// Softmax of a small array, for head outputs (probabilities of a few labels).
package func softmax(_ logits: [Float]) -> [Float] {
    var out = logits
    out.withUnsafeMutableBufferPointer { softmaxInPlace($0.baseAddress!, $0.count) }
    return out
}
