import KoBERTCore
import KoBERTKernels
import KoBERTModel
import KoBERTFormat

/// fp32 weights straight from a Hugging Face checkpoint: the oracle the int8 store is judged against.
public struct CheckpointWeights: WeightStore {
    public let config: ModelConfig
    public let source: String
    let tensors: [String: Tensor]

    public init(config: ModelConfig, tensors: [String: Tensor], source: String) {
        self.config = config; self.tensors = tensors; self.source = source
    }

    public func has(_ name: String) -> Bool { tensors[name] != nil }

    public func tensor(_ name: String) throws -> Tensor {
        guard let found = tensors[name] else {
            throw KoBERTError("\(source): tensor \(name) is missing")
        }
        return found
    }

    public func linear(_ prefix: String) throws -> any LinearOperator {
        let weight = try tensor(prefix + ".weight")
        guard weight.shape.count == 2 else {
            throw KoBERTError("\(source): tensor \(prefix).weight has shape \(weight.shape), expected 2 dimensions")
        }
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        guard outFeatures > 0, inFeatures > 0 else {
            throw KoBERTError("\(source): tensor \(prefix).weight has shape \(weight.shape), an empty Linear")
        }
        let bias = try linearBias(prefix, outFeatures: outFeatures)
        return FloatLinear(weight: weight.data, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures)
    }

    public func embedding(_ prefix: String) throws -> any EmbeddingTable {
        let weight = try tensor(prefix + ".weight")
        guard weight.shape.count == 2 else {
            throw KoBERTError("\(source): tensor \(prefix).weight has shape \(weight.shape), expected 2 dimensions")
        }
        return FloatEmbeddingTable(values: weight.data, rows: weight.shape[0], dim: weight.shape[1])
    }
}

import KoBERTCheckpoint

extension CheckpointWeights {
    public init(_ checkpoint: Checkpoint) {
        self.init(config: checkpoint.config, tensors: checkpoint.tensors, source: checkpoint.directory)
    }

    /// Reads a Hugging Face model folder (config.json + weights).
    public init(directory: String) throws {
        self.init(try Checkpoint.load(directory: directory))
    }
}
