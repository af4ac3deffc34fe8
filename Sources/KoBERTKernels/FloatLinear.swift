import Foundation

/// fp32 Linear. Weight given as PyTorch stores it: [outFeatures][inFeatures], row-major.
/// SEED IMPLEMENTATION (scalar); the kernels owner replaces it with the blocked SIMD one.
public final class FloatLinear: LinearOperator, @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    let weight: [Float]
    let bias: [Float]?

    public init(weight: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int) {
        precondition(weight.count == outFeatures * inFeatures)
        self.weight = weight; self.bias = bias
        self.outFeatures = outFeatures; self.inFeatures = inFeatures
    }

    public func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
                      activation: FusedActivation, threads: Int) {
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var acc: Float = bias?[o] ?? 0
                for i in 0..<inFeatures { acc += input[r * inFeatures + i] * weight[o * inFeatures + i] }
                switch activation {
                case .none: break
                case .relu: acc = max(acc, 0)
                case .gelu: acc = 0.5 * acc * (1 + Float(erf(Double(acc) / 2.0.squareRoot())))
                }
                output[r * outFeatures + o] = acc
            }
        }
    }
}
