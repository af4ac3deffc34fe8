import KoBERTCore
import KoBERTKernels

/// Rows of an embedding matrix, handed out one at a time so a store may keep them in any
/// format (fp32 here, int8 rows with a scale in the packed file).
public protocol EmbeddingTable: Sendable {
    var rows: Int { get }
    var dim: Int { get }
    /// Writes row `i` (0 ≤ i < rows, checked by the caller) as `dim` floats.
    func copyRow(_ i: Int, into: UnsafeMutablePointer<Float>)
}

/// Where the encoder gets its weights. Names are canonical (see KoBERTCheckpoint):
/// no "distilbert." / "bert." prefix, LayerNorm parameters as ".weight" / ".bias".
public protocol WeightStore {
    var config: ModelConfig { get }
    /// What the weights were read from (a folder or a file); errors name it.
    var source: String { get }
    func has(_ name: String) -> Bool
    func tensor(_ name: String) throws -> Tensor
    /// `prefix` without ".weight" / ".bias", e.g. "transformer.layer.0.attention.q_lin".
    func linear(_ prefix: String) throws -> any LinearOperator
    /// `prefix` without ".weight", e.g. "embeddings.word_embeddings".
    func embedding(_ prefix: String) throws -> any EmbeddingTable
}

extension WeightStore {
    public var source: String { "model" }

    /// The optional `prefix.bias` of a Linear with `outFeatures` outputs, shape-checked.
    public func linearBias(_ prefix: String, outFeatures: Int) throws -> [Float]? {
        guard has(prefix + ".bias") else { return nil }
        let bias = try tensor(prefix + ".bias")
        guard bias.shape == [outFeatures] else {
            throw KoBERTError("\(source): tensor \(prefix).bias has shape \(bias.shape), expected [\(outFeatures)]")
        }
        return bias.data
    }
}

/// An fp32 embedding matrix, rows × dim, row-major.
public struct FloatEmbeddingTable: EmbeddingTable {
    public let rows: Int
    public let dim: Int
    let values: [Float]

    public init(values: [Float], rows: Int, dim: Int) {
        precondition(values.count == rows * dim, "embedding values do not match \(rows) × \(dim)")
        self.values = values; self.rows = rows; self.dim = dim
    }

    public func copyRow(_ i: Int, into destination: UnsafeMutablePointer<Float>) {
        values.withUnsafeBufferPointer { all in
            destination.update(from: all.baseAddress! + i * dim, count: dim)
        }
    }
}

/// A store that changes some of another store's answers (a layer view, an activation recorder, a
/// quantization trial); whatever it does not override is answered by `base`.
public protocol WeightStoreWrapper: WeightStore {
    var base: any WeightStore { get }
}

extension WeightStoreWrapper {
    public var config: ModelConfig { base.config }
    public var source: String { base.source }
    public func has(_ name: String) -> Bool { base.has(name) }
    public func tensor(_ name: String) throws -> Tensor { try base.tensor(name) }
    public func linear(_ prefix: String) throws -> any LinearOperator { try base.linear(prefix) }
    public func embedding(_ prefix: String) throws -> any EmbeddingTable { try base.embedding(prefix) }
}
