// The whole AArch64 int8 Linear forward, y = act(dequant(quant(x) · Wqᵀ) + b), in one Embedded-clean type,
// so that the emulated check (Tools/arm/check) drives exactly the entry points KoBERTKernels' Int8Linear
// calls on arm64: `prepare` once per call (quantize + narrow every row), then `forward` per thread's
// panel range (product, dequantization, bias, activation).
#if arch(arm64)

/// KoBERTKernels' FusedActivation, as a raw code (this module cannot see that type).
public enum ARMActivation: Int {
    case none = 0, relu = 1, gelu = 2
}

public final class ARMInt8Linear {
    public let weight: ARMInt8Weight
    public var tier: ARMInt8Tier { weight.tier }
    public var panelCount: Int { weight.panelCount }

    /// values: int8 [n][k] row-major, packed for `tier` (one this CPU runs).
    public init(values: UnsafePointer<Int8>, n: Int, k: Int, tier: ARMInt8Tier) {
        weight = ARMInt8Weight(values: values, n: n, k: k, tier: tier)
    }

    /// Bytes of the int8 activations `prepare` writes for `rows` rows.
    public func activationBytes(rows: Int) -> Int { ARMActivations.byteCount(tier, rows: rows, paddedK: weight.paddedK) }

    /// Quantizes rows of x (stride k, channel k divided by 1/inv[k] when inv is given) into `a`
    /// (activationBytes(rows:) bytes) and their scales into rowScales (rows values).
    public func prepare(x: UnsafePointer<Float>, rows: Int, inverseScales inv: UnsafePointer<Float>?,
                        into a: UnsafeMutablePointer<Int8>, rowScales: UnsafeMutablePointer<Float>) {
        let k = weight.k, ldq = k
        guard rows > 0 else { return }
        withUnsafeTemporaryAllocation(of: Int16.self, capacity: rows * ldq) { buffer in
            let q = buffer.baseAddress!
            for r in 0..<rows { rowScales[r] = ARMActivations.quantizeRow(x + r * k, k, inv, q + r * ldq) }
            ARMActivations.narrow(tier, quanta: q, ldq: ldq, rows: rows, k: k, paddedK: weight.paddedK, into: a)
        }
    }

    /// C[rows × columns of `panels`] = act(Float(Σ) · (rowScale · colScale) + bias). c has stride ldc ≥ n;
    /// columnScales and bias hold n values. Disjoint panel ranges write disjoint columns (one per thread).
    public func forward(a: UnsafePointer<Int8>, rows: Int, rowScales: UnsafePointer<Float>,
                        columnScales: UnsafePointer<Float>, bias: UnsafePointer<Float>?, activation: ARMActivation,
                        into c: UnsafeMutablePointer<Float>, ldc: Int, panels: Range<Int>) {
        guard rows > 0, !panels.isEmpty else { return }
        ARMInt8GEMM.run(tier, a: a, m: rows, weight: weight, rowScales: rowScales, colScales: columnScales,
                        c: c, ldc: ldc, panels: panels)
        if bias == nil && activation == .none { return }
        let j0 = panels.lowerBound * ARMInt8Weight.panelWidth
        let j1 = min(weight.n, panels.upperBound * ARMInt8Weight.panelWidth)
        for r in 0..<rows {
            let row = c + r * ldc
            // No bias: no `+ 0`, which would turn −0 into +0 where the x86 epilogue keeps it.
            if let bias { for j in j0..<j1 { row[j] = ARMEpilogue.apply(row[j] + bias[j], activation) } }
            else { for j in j0..<j1 { row[j] = ARMEpilogue.apply(row[j], activation) } }
        }
    }
}

/// Scalar bias/activation rules. ReLU as FloatEpilogue (max(v, 0)); GELU as VectorMath.gelu:
/// 0.5 · x · (1 + erf(x/√2)), erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), so within a few 1e-7
/// of FloatEpilogue.reference's erf in Double (Tools/arm/check allows 2e-6 · max(1, |x|)).
public enum ARMEpilogue {
    @inline(__always)
    public static func apply(_ v: Float, _ activation: ARMActivation) -> Float {
        switch activation {
        case .none: return v
        case .relu: return v < 0 ? 0 : v
        case .gelu: return 0.5 * v * (1 + erf(v * 0.70710678118654752))
        }
    }

    public static func erf(_ x: Float) -> Float {
        let ax = min(abs(x), 6)
        let t = 1 / (1 + 0.3275911 * ax)
        let p = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
        let y = 1 - p * exp(-(ax * ax))
        return x < 0 ? -y : y
    }

    /// e^x for x ≤ 0 (no libm in Embedded Swift): x = n·ln2 + r, degree-6 Taylor on r, 2^n by exponent bits.
    public static func exp(_ x: Float) -> Float {
        let xc = max(x, -87)
        let n = (xc * 1.44269504088896341).rounded(.toNearestOrEven)
        let r = (xc - n * 0.693145751953125) - n * 1.428606765330187045e-06
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120; p = p * r + 1.0 / 24; p = p * r + 1.0 / 6
        p = p * r + 0.5; p = p * r + 1; p = p * r + 1
        return p * Float(bitPattern: UInt32(Int32(n) + 127) << 23)
    }
}
#endif
