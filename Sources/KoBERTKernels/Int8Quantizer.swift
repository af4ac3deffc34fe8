import Foundation

/// Symmetric int8 quantization: the deterministic reference that defines the packed file's int8 tensors.
///
/// Rule, per row (a Linear's output channel, or an embedding row):
///   scale = max|w| / 127 (Float32),   q = clamp(roundHalfToEven(w / scale), -127, 127),   w ≈ q · scale.
/// -128 is never produced. An all-zero row has scale 0 and all q = 0. Non-finite inputs never trap:
/// NaN → 0, ±∞ → ±127 with the scale taken from the finite values.
/// `bits` (2…8, default 8) narrows the grid: 127 becomes 2^(bits−1) − 1 everywhere in the rule, so the
/// values fit in `bits` bits (the packed file's `bits` field) and 8 is the rule above.
public enum Int8Quantizer {
    /// Linear weight [outFeatures][inFeatures] → values of the same layout and one scale per output row.
    public static func quantizePerChannel(weight: [Float], outFeatures: Int, inFeatures: Int,
                                          bits: Int = 8) -> (values: [Int8], scales: [Float]) {
        requireShape(weight.count == outFeatures * inFeatures, "Int8Quantizer: weight has \(weight.count) values, want \(outFeatures)×\(inFeatures)")
        return quantizeRows(weight, rows: outFeatures, columns: inFeatures, bits: bits)
    }

    /// SmoothQuant-style variant: quantizes W[o][k] · s[k]. Pair it with `Int8Linear(…, inputChannelScales: s)`,
    /// which divides activation channel k by s[k] before quantizing, so the product is unchanged while
    /// outlier channels of the activations move into the (per-channel scaled) weights.
    public static func quantizePerChannel(weight: [Float], outFeatures: Int, inFeatures: Int,
                                          inputChannelScales s: [Float], bits: Int = 8) -> (values: [Int8], scales: [Float]) {
        requireShape(s.count == inFeatures, "Int8Quantizer: \(s.count) input channel scales, want \(inFeatures)")
        var folded = weight
        for o in 0..<outFeatures { for k in 0..<inFeatures { folded[o * inFeatures + k] *= s[k] } }
        return quantizePerChannel(weight: folded, outFeatures: outFeatures, inFeatures: inFeatures, bits: bits)
    }

    /// Embedding table [rows][dim] → int8 rows, one scale per row (same rule).
    public static func quantizePerRow(_ table: [Float], rows: Int, dim: Int, bits: Int = 8) -> (values: [Int8], scales: [Float]) {
        requireShape(table.count == rows * dim, "Int8Quantizer: table has \(table.count) values, want \(rows)×\(dim)")
        return quantizeRows(table, rows: rows, columns: dim, bits: bits)
    }

    /// out[i] = Float(values[i]) · scale — one embedding row back to fp32.
    public static func dequantizeRow(_ values: UnsafePointer<Int8>, scale: Float, count: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count { out[i] = Float(values[i]) * scale }
    }

    /// SmoothQuant migration scales s[k] = max|X_k|^α / max|W_·k|^(1−α) (α = 0.5 balances both), from
    /// calibration maxima of each input channel; channels with no signal get 1.
    public static func smoothingScales(activationMaxAbs: [Float], weight: [Float], outFeatures: Int, inFeatures: Int,
                                       alpha: Float = 0.5) -> [Float] {
        requireShape(activationMaxAbs.count == inFeatures && weight.count == outFeatures * inFeatures,
                     "Int8Quantizer.smoothingScales: \(activationMaxAbs.count) maxima and \(weight.count) weights for \(outFeatures)×\(inFeatures)")
        var weightMax = [Float](repeating: 0, count: inFeatures)
        for o in 0..<outFeatures { for k in 0..<inFeatures { weightMax[k] = max(weightMax[k], abs(weight[o * inFeatures + k])) } }
        return (0..<inFeatures).map { k in
            let a = activationMaxAbs[k], w = weightMax[k]
            guard a > 0, w > 0, a.isFinite, w.isFinite else { return 1 }
            let s = Float(pow(Double(a), Double(alpha)) / pow(Double(w), Double(1 - alpha)))
            return s.isFinite && s > 0 ? s : 1
        }
    }

    static func quantizeRows(_ x: [Float], rows: Int, columns: Int, bits: Int) -> (values: [Int8], scales: [Float]) {
        requireShape((2...8).contains(bits), "Int8Quantizer: \(bits) bits, want 2…8")
        let limit = Int32((1 << (bits - 1)) - 1)
        var values = [Int8](repeating: 0, count: rows * columns)
        var scales = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var maxAbs: Float = 0
            for c in 0..<columns { let v = abs(x[r * columns + c]); if v.isFinite && v > maxAbs { maxAbs = v } }
            let scale = maxAbs / Float(limit)
            scales[r] = scale
            guard scale > 0 else {
                for c in 0..<columns { let v = x[r * columns + c]; values[r * columns + c] = v.isInfinite ? Int8(v > 0 ? limit : -limit) : 0 }
                continue
            }
            for c in 0..<columns { values[r * columns + c] = Int8(clampedQuantum(x[r * columns + c] / scale, limit: limit)) }
        }
        return (values, scales)
    }

    /// roundHalfToEven, clamped to ±limit, NaN → 0 (weights; load time only).
    static func clampedQuantum(_ v: Float, limit: Int32) -> Int32 {
        let r = v.rounded(.toNearestOrEven)
        if r >= Float(limit) { return limit }
        if r <= -Float(limit) { return -limit }
        if r.isNaN { return 0 }
        return Int32(r)
    }

    /// roundHalfToEven, clamped to ±127, NaN → 0 (the activations' hot path keeps its constant bound).
    @inline(__always)
    static func clampedQuantum(_ v: Float) -> Int32 {
        let r = v.rounded(.toNearestOrEven)
        if r >= 127 { return 127 }
        if r <= -127 { return -127 }
        if r.isNaN { return 0 }
        return Int32(r)
    }
}
