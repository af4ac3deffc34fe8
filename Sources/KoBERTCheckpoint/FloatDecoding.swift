/// Decoding stored little-endian elements to fp32. fp16 and bf16 widen exactly; fp64 rounds.
enum FloatDecoding {
    /// Decodes `count` elements starting at element `first` with element stride `stride`
    /// from `raw`. The caller guarantees every touched element lies inside `raw`.
    static func decode(_ raw: UnsafeRawBufferPointer, type: ElementType, first: Int, stride: Int,
                       count: Int, into out: UnsafeMutablePointer<Float>) {
        let size = type.byteSize
        switch type {
        case .float32:
            for i in 0..<count {
                out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: (first + i * stride) * size, as: UInt32.self)))
            }
        case .float16:
            for i in 0..<count {
                out[i] = halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: (first + i * stride) * size, as: UInt16.self)))
            }
        case .bfloat16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: (first + i * stride) * size, as: UInt16.self))
                out[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .float64:
            for i in 0..<count {
                out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: (first + i * stride) * size, as: UInt64.self))))
            }
        default:
            for i in 0..<count { out[i] = 0 }  // integer storages are skipped before decoding
        }
    }

    /// IEEE 754 binary16 → binary32, including subnormals, infinities and NaN payloads.
    static func halfToFloat(_ half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        var mantissa = UInt32(half & 0x03FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            // Subnormal: shift until the implicit bit appears, adjusting the exponent.
            var shifted: UInt32 = 0
            while mantissa & 0x0400 == 0 {
                mantissa <<= 1
                shifted += 1
            }
            mantissa &= 0x03FF
            let biased = 127 - 15 + 1 - shifted
            return Float(bitPattern: sign | (biased << 23) | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
    }
}
