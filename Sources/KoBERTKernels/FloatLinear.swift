/// fp32 Linear: y = x · Wᵀ + b, W given as PyTorch stores it, [outFeatures][inFeatures] row-major.
/// The weight is repacked once into 16-column panels (FloatPanels); `apply` runs the tiled kernels of the
/// active kernel family, threads splitting the output columns, with bias and activation fused per panel.
public final class FloatLinear: LinearOperator, Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    let panels: FloatPanels
    let bias: [Float]?

    public init(weight: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int) {
        requireShape(weight.count == outFeatures * inFeatures, "FloatLinear: weight has \(weight.count) values, want \(outFeatures)×\(inFeatures)")
        requireShape(bias == nil || bias!.count == outFeatures, "FloatLinear: bias has \(bias!.count) values, want \(outFeatures)")
        self.outFeatures = outFeatures; self.inFeatures = inFeatures
        self.bias = bias
        panels = FloatPanels(k: inFeatures, n: outFeatures)
        weight.withUnsafeBufferPointer { panels.pack(transposedRows: $0.baseAddress!, ld: inFeatures) }
    }

    public func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
                      activation: FusedActivation, threads: Int) {
        apply(input, rows: rows, into: output, activation: activation, threads: threads, family: KernelFamily.active)
    }

    /// Same, with the kernel family named (tests run every family in one process); one this CPU cannot run
    /// is replaced by the active family.
    public func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
                      activation: FusedActivation, threads: Int, family: KernelFamily) {
        let family = family.isAvailable ? family : KernelFamily.active
        let run = { (bias: UnsafePointer<Float>?) in
            FloatGEMM.run(family, m: rows, a: input, lda: self.inFeatures, panels: self.panels, c: output,
                          ldc: self.outFeatures, bias: bias, activation: activation, threads: threads)
        }
        if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
    }
}
