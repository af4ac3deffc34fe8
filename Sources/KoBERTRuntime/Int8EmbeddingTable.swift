import KoBERTKernels
import KoBERTModel
import KoBERTCore
import KoBERTFormat

/// Word embeddings kept as int8 with one scale per row; a row is dequantized only when a token needs it.
public struct Int8EmbeddingTable: EmbeddingTable {
    public let rows: Int
    public let dim: Int
    let values: [Int8]
    let scales: [Float]

    public init(values: [Int8], scales: [Float], rows: Int, dim: Int) {
        precondition(values.count == rows * dim && scales.count == rows, "int8 embedding does not match \(rows) × \(dim)")
        self.values = values; self.scales = scales; self.rows = rows; self.dim = dim
    }

    public func copyRow(_ i: Int, into destination: UnsafeMutablePointer<Float>) {
        values.withUnsafeBufferPointer { all in
            Int8Quantizer.dequantizeRow(all.baseAddress! + i * dim, scale: scales[i], count: dim, into: destination)
        }
    }
}
