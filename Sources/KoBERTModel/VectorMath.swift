import Foundation
import KoBERTKernels

// Row-wise float helpers for the encoder's non-GEMM work (softmax, LayerNorm, GELU).
// SIMD8 keeps them portable; the GEMMs themselves live in KoBERTKernels.

@inline(__always) func loadVector(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func storeVector(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// y[i] += alpha · x[i] over n floats.
@inline(__always) func addScaled(_ x: UnsafePointer<Float>, _ alpha: Float, into y: UnsafeMutablePointer<Float>, _ n: Int) {
    let a = SIMD8<Float>(repeating: alpha)
    var i = 0
    while i + 8 <= n { storeVector(loadVector(y + i) + a * loadVector(x + i), y + i); i += 8 }
    while i < n { y[i] += alpha * x[i]; i += 1 }
}

/// In-place softmax over n floats (the kernel family's vector exp).
@inline(__always) func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    Softmax.apply(x, count: n)
}

/// Softmax of a small array, for head outputs (probabilities of a few labels).
package func softmax(_ logits: [Float]) -> [Float] {
    var out = logits
    out.withUnsafeMutableBufferPointer { softmaxInPlace($0.baseAddress!, $0.count) }
    return out
}
