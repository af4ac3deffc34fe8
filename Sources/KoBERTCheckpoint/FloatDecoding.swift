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

    /// IEEE 754 binary16 → binary32 (exact for every value; Swift's Float16 does the conversion).
    @inline(__always)
    static func halfToFloat(_ half: UInt16) -> Float { Float(Float16(bitPattern: half)) }
}
