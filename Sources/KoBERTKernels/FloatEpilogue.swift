import Foundation

/// What runs on a finished block of output: add the bias, then the activation. In place on rows × cols of C.
enum FloatEpilogue {
    static func apply(_ family: KernelFamily, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                      bias: UnsafePointer<Float>?, activation: FusedActivation) {
        if bias == nil && activation == .none { return }
        family.kernels.epilogue(c: c, ldc: ldc, rows: rows, cols: cols, bias: bias, activation: activation)
    }

    /// Scalar twin; GELU through Foundation's erf in Double, as the oracle.
    static func reference(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                          bias: UnsafePointer<Float>?, activation: FusedActivation) {
        for r in 0..<rows {
            for j in 0..<cols {
                var v = c[r * ldc + j]
                if let bias { v += bias[j] }
                switch activation {
                case .none: break
                case .relu: v = max(v, 0)
                case .gelu: v = Float(0.5 * Double(v) * (1 + erf(Double(v) / 2.0.squareRoot())))
                }
                c[r * ldc + j] = v
            }
        }
    }

    static func generic(c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
                        bias: UnsafePointer<Float>?, activation: FusedActivation) {
        for r in 0..<rows {
            let row = c + r * ldc
            var j = 0
            while j + 8 <= cols {
                var v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                if let bias { v += UnsafeRawPointer(bias + j).loadUnaligned(as: SIMD8<Float>.self) }
                v = activate(v, activation)
                UnsafeMutableRawPointer(row + j).storeBytes(of: v, as: SIMD8<Float>.self)
                j += 8
            }
            if j < cols {
                var v = SIMD8<Float>(repeating: 0), b = SIMD8<Float>(repeating: 0)
                for t in 0..<(cols - j) { v[t] = row[j + t]; if let bias { b[t] = bias[j + t] } }
                v = activate(v + b, activation)
                for t in 0..<(cols - j) { row[j + t] = v[t] }
            }
        }
    }

    @inline(__always)
    static func activate(_ v: SIMD8<Float>, _ activation: FusedActivation) -> SIMD8<Float> {
        switch activation {
        case .none: return v
        case .relu: return v.replacing(with: 0, where: v .< 0)
        case .gelu: return VectorMath.gelu(v)
        }
    }
}

/// Vectorised erf and GELU in portable Swift SIMD.
/// erf: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7) with a vector exp; measured ≤ 1e-6 vs Foundation erf.
package enum VectorMath {
    @inline(__always)
    static func gelu(_ x: SIMD8<Float>) -> SIMD8<Float> {
        0.5 * x * (1 + erf(x * 0.70710678118654752))
    }

    @inline(__always)
    static func erf(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let ax = (x.replacing(with: -x, where: x .< 0)).replacing(with: 6, where: x .> 6 .| x .< -6)
        let t = 1 / (1 + 0.3275911 * ax)
        var p: SIMD8<Float> = SIMD8(repeating: 1.061405429)
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        p = p * t
        let y = 1 - p * exp(-(ax * ax))
        return y.replacing(with: -y, where: x .< 0)
    }

    /// Round half to even for |v| < 2²², as .rounded(.toNearestOrEven) but without a libm call per lane
    /// (baseline x86-64 has no vector round): adding and removing 1.5·2²³ leaves the default rounding's result.
    @inline(__always)
    static func roundedToEven(_ v: SIMD8<Float>) -> SIMD8<Float> {
        (v + 12_582_912) - 12_582_912
    }

    /// e^x for x in [-88, 0]: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 Taylor on r, 2^n through the exponent bits.
    /// The one vector exp of the package (GELU here, softmax in KoBERTModel).
    @inline(__always)
    package static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let xc = x.replacing(with: -87, where: x .< -87)
        let n = roundedToEven(xc * 1.44269504088896341)
        let r = (xc - n * 0.693145751953125) - n * 1.428606765330187045e-06
        var p: SIMD8<Float> = SIMD8(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // n as an integer without a conversion call: the bits of n + 1.5·2²³ are 0x4B40_0000 + n.
        let integer = unsafeBitCast(n + 12_582_912, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let bits = (integer &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }
}
