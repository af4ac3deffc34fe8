/// What follows a matrix product inside the encoder, fused into the kernel's epilogue.
public enum FusedActivation: Sendable {
    case none
    case gelu   // exact erf GELU, as torch.nn.functional.gelu
    case relu
}

/// y = x · Wᵀ + b for a batch of rows — the shape of torch.nn.Linear.
/// The fp32 implementation is the oracle; the int8 one must agree with it within tolerance.
public protocol LinearOperator: Sendable {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// input: rows × inFeatures, output: rows × outFeatures, both row-major and contiguous.
    /// `threads` is how many cores the product may use (1 = calling thread only).
    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
               activation: FusedActivation, threads: Int)
}
