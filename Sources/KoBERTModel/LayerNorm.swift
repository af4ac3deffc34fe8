import KoBERTCore

/// torch.nn.LayerNorm over the last dimension, with the residual add that precedes every
/// post-LN norm in BERT and DistilBERT fused in: x ← LN(x + residual).
struct LayerNorm {
    let gamma: [Float]
    let beta: [Float]
    let epsilon: Float
    var dim: Int { gamma.count }

    init(_ weights: any WeightStore, prefix: String, dim: Int, epsilon: Float) throws {
        let g = try weights.tensor(prefix + ".weight"), b = try weights.tensor(prefix + ".bias")
        for (name, t) in [(prefix + ".weight", g), (prefix + ".bias", b)] where t.shape != [dim] {
            throw KoBERTError("\(weights.source): tensor \(name) has shape \(t.shape), expected [\(dim)]")
        }
        gamma = g.data; beta = b.data; self.epsilon = epsilon
    }

    func apply(_ x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>?, rows: Int) {
        let n = dim
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                for r in 0..<rows {
                    normalizeRow(x + r * n, residual.map { $0 + r * n }, g.baseAddress!, b.baseAddress!, n)
                }
            }
        }
    }

    @inline(__always)
    private func normalizeRow(_ row: UnsafeMutablePointer<Float>, _ residual: UnsafePointer<Float>?,
                              _ g: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        if let residual {
            while i + 8 <= n { storeVector(loadVector(row + i) + loadVector(residual + i), row + i); i += 8 }
            while i < n { row[i] += residual[i]; i += 1 }
        }
        var sumVector = SIMD8<Float>()
        i = 0
        while i + 8 <= n { sumVector += loadVector(row + i); i += 8 }
        var sum = sumVector.sum()
        while i < n { sum += row[i]; i += 1 }
        let mean = sum / Float(n)

        // Two passes: the variance of the centred values, as accurate as torch's Welford.
        let meanVector = SIMD8<Float>(repeating: mean)
        var squares = SIMD8<Float>()
        i = 0
        while i + 8 <= n { let d = loadVector(row + i) - meanVector; squares += d * d; i += 8 }
        var squareSum = squares.sum()
        while i < n { let d = row[i] - mean; squareSum += d * d; i += 1 }
        let inverseDeviation = 1 / (squareSum / Float(n) + epsilon).squareRoot()

        let scale = SIMD8<Float>(repeating: inverseDeviation)
        i = 0
        while i + 8 <= n {
            let normalized = (loadVector(row + i) - meanVector) * scale
            storeVector(normalized * loadVector(g + i) + loadVector(b + i), row + i); i += 8
        }
        while i < n { row[i] = (row[i] - mean) * inverseDeviation * g[i] + b[i]; i += 1 }
    }
}
