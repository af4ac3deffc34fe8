/// The per-row rule of the kernels' int8 quantizer (scale = max|row| / qmax, round half to even,
/// clamp to ±qmax) with qmax = 2^(bits−1) − 1 instead of 127: values that fit in `bits` bits.
/// Used for word embeddings packed with fewer than 8 bits; 8 bits gives the int8 rule's values.
enum NarrowQuantizer {
    static func quantizePerRow(_ x: [Float], rows: Int, columns: Int, bits: Int) -> (values: [Int8], scales: [Float]) {
        precondition((2...8).contains(bits) && x.count == rows * columns, "NarrowQuantizer: \(rows)×\(columns) at \(bits) bits")
        let limit = Float((1 << (bits - 1)) - 1)
        var values = [Int8](repeating: 0, count: rows * columns)
        var scales = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var maxAbs: Float = 0
            for c in 0..<columns { let v = abs(x[r * columns + c]); if v.isFinite && v > maxAbs { maxAbs = v } }
            let scale = maxAbs / limit
            scales[r] = scale
            guard scale > 0 else {
                for c in 0..<columns { let v = x[r * columns + c]; values[r * columns + c] = v.isInfinite ? Int8(v > 0 ? limit : -limit) : 0 }
                continue
            }
            for c in 0..<columns {
                let q = (x[r * columns + c] / scale).rounded(.toNearestOrEven)
                values[r * columns + c] = q.isNaN ? 0 : Int8(min(max(q, -limit), limit))
            }
        }
        return (values, scales)
    }
}
