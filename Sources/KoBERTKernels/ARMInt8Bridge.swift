// The arm64 glue of the int8 Linear: KoBERTKernelsARM does the work (ARMInt8Linear, checked under qemu by
// Tools/arm/check through the same two calls); this file only maps the families and splits the panels.
// Never compiled on x86 (arch(arm64)), and the package cannot be built for aarch64 here: see Tools/arm/README.md.
#if arch(arm64)
import KoBERTKernelsARM

extension KernelFamily {
    /// The KoBERTKernelsARM tier whose int8 products this family runs, or nil (not an AArch64 tier).
    var armTier: ARMInt8Tier? {
        switch self {
        case .neon: return .neon
        case .dotprod: return .dotprod
        case .i8mm: return .i8mm
        default: return nil
        }
    }
}

extension Int8Linear {
    /// The weight packed for `tier`: the one built at init for the active family, else repacked from the
    /// panels (tests naming another tier), as the x86 families repack for a foreign layout.
    func armLinear(_ tier: ARMInt8Tier) -> ARMInt8Linear {
        if let arm, arm.tier == tier { return arm }
        let n = outFeatures, k = inFeatures
        var values = [Int8](repeating: 0, count: n * k)
        for j in 0..<n { for kk in 0..<k { values[j * k + kk] = panels.storage[panels.offset(kk, j)] } }
        return values.withUnsafeBufferPointer { ARMInt8Linear(values: $0.baseAddress!, n: n, k: k, tier: tier) }
    }

    /// Quantize + narrow all rows once (serial: O(rows · k) against the product's O(rows · k · n)), then
    /// threads split the panels, each running product, dequantization, bias and activation on its own columns.
    func applyARM(_ linear: ARMInt8Linear, _ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
                  activation: FusedActivation, threads: Int, afterQuantization: (() -> Void)?) {
        let aBytes = (linear.activationBytes(rows: rows) + 63) & ~63
        let act: ARMActivation
        switch activation {
        case .none: act = .none
        case .relu: act = .relu
        case .gelu: act = .gelu
        }
        ScratchPool.withBuffer(bytes: aBytes + rows * 4) { scratch in
            let a = scratch.bindMemory(to: Int8.self, capacity: aBytes)
            let rowScales = (scratch + aBytes).bindMemory(to: Float.self, capacity: rows)
            withOptionalPointer(inverseInputScales) { inv in
                linear.prepare(x: input, rows: rows, inverseScales: inv, into: a, rowScales: rowScales)
            }
            afterQuantization?()   // profiling hook; nil when serving
            let worthwhile = max(1, rows * outFeatures * inFeatures / 1_000_000)
            columnScales.withUnsafeBufferPointer { cs in
                withOptionalPointer(bias) { bias in
                    Parallel.run(threads: threads, maxParts: min(linear.panelCount, worthwhile)) { part, parts in
                        linear.forward(a: a, rows: rows, rowScales: rowScales, columnScales: cs.baseAddress!, bias: bias,
                                       activation: act, into: output, ldc: outFeatures,
                                       panels: Parallel.slice(linear.panelCount, part: part, parts: parts))
                    }
                }
            }
        }
    }
}
#endif
