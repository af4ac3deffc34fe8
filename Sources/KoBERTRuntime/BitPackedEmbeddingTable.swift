import KoBERTModel
import KoBERTCore
import KoBERTKernels
import KoBERTFormat

/// Word embeddings stored with fewer than 8 bits a value (the file's `bits`): each row is a
/// little-endian bit stream of `dim` two's-complement fields, so a 6-bit 8002 × 768 table takes
/// 4.6 MB instead of 6.1 MB resident. A row is unpacked and scaled only when a token needs it.
public struct BitPackedEmbeddingTable: EmbeddingTable {
    public let rows: Int
    public let dim: Int
    public let bits: Int
    let rowBytes: Int
    /// rows × rowBytes, then 8 zero bytes so every field can be read with one 8-byte load.
    let packed: [UInt8]
    let scales: [Float]

    /// Nil when a value does not fit in `bits` bits (the file's `bits` was wrong).
    public init?(values: [Int8], scales: [Float], rows: Int, dim: Int, bits: Int) {
        precondition((2...8).contains(bits) && values.count == rows * dim && scales.count == rows,
                     "bit-packed embedding does not match \(rows) × \(dim) at \(bits) bits")
        let limit = Int8((1 << (bits - 1)) - 1), mask = UInt64(1) << bits - 1
        let rowBytes = (dim * bits + 7) / 8
        var packed = [UInt8](repeating: 0, count: rows * rowBytes + 8)
        // Runs once per load over every value (6M for the full vocabulary), so eight values at a
        // time: they fill exactly `bits` bytes, stored with one 8-byte write whose zero spill the
        // next group overwrites (the last lands in the padding). A row's tail goes field by field.
        let fits = values.withUnsafeBufferPointer { source in
            packed.withUnsafeMutableBytes { out -> Bool in
                let base = out.baseAddress!
                for r in 0..<rows {
                    let row = source.baseAddress! + r * dim
                    var at = r * rowBytes, i = 0
                    while i + 8 <= dim {
                        var word: UInt64 = 0
                        for j in 0..<8 {
                            let v = row[i + j]
                            guard v >= -limit && v <= limit else { return false }
                            word |= (UInt64(UInt8(bitPattern: v)) & mask) << UInt64(j * bits)
                        }
                        base.storeBytes(of: word.littleEndian, toByteOffset: at, as: UInt64.self)
                        at += bits; i += 8
                    }
                    var pending: UInt64 = 0, pendingBits = 0
                    while i < dim {
                        let v = row[i]
                        guard v >= -limit && v <= limit else { return false }
                        pending |= (UInt64(UInt8(bitPattern: v)) & mask) << UInt64(pendingBits)
                        pendingBits += bits; i += 1
                    }
                    // Fewer than 8 fields: at most 49 bits, whole bytes up to the row's end.
                    for b in 0..<((pendingBits + 7) / 8) { base.storeBytes(of: UInt8(truncatingIfNeeded: pending >> UInt64(8 * b)), toByteOffset: at + b, as: UInt8.self) }
                }
                return true
            }
        }
        guard fits else { return nil }
        self.rows = rows; self.dim = dim; self.bits = bits; self.rowBytes = rowBytes
        self.packed = packed; self.scales = scales
    }

    public func copyRow(_ i: Int, into destination: UnsafeMutablePointer<Float>) {
        let scale = scales[i], shift = UInt64(64 - bits)
        packed.withUnsafeBytes { all in
            let row = all.baseAddress! + i * rowBytes
            for c in 0..<dim {
                let at = c * bits
                let word = row.loadUnaligned(fromByteOffset: at >> 3, as: UInt64.self) >> UInt64(at & 7)
                // The field's top bit to bit 63, then an arithmetic shift back sign-extends it.
                let value = Int64(bitPattern: word << shift) >> Int64(shift)
                destination[c] = Float(value) * scale
            }
        }
    }
}
