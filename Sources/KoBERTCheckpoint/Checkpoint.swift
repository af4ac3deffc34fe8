import Foundation
import KoBERTCore

/// A Hugging Face model folder read into memory: `config.json` plus every floating tensor of
/// `model.safetensors` (preferred) or `pytorch_model.bin` (torch zip or legacy), as fp32 under
/// canonical names (see `CanonicalNames`).
public struct Checkpoint: Sendable {
    public var config: ModelConfig
    public var tensors: [String: Tensor]
    public var directory: String
    /// The weight file that was read.
    public var weightFile: String
    /// Integer tensors the file holds (e.g. `embeddings.position_ids`), canonical names, not loaded.
    public var skippedTensors: [String]

    public static let weightFileNames = ["model.safetensors", "pytorch_model.bin"]

    public init(config: ModelConfig, tensors: [String: Tensor], directory: String,
                weightFile: String = "", skippedTensors: [String] = []) {
        self.config = config
        self.tensors = tensors
        self.directory = directory
        self.weightFile = weightFile
        self.skippedTensors = skippedTensors
    }

    public static func load(directory: String) throws -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw KoBERTError("\(directory): no such model folder")
        }
        guard isDirectory.boolValue else { throw KoBERTError("\(directory): not a folder") }
        let folder = URL(fileURLWithPath: directory)
        let configPath = folder.appendingPathComponent("config.json").path
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw KoBERTError("\(directory): no config.json in the model folder")
        }
        let config = try ModelConfig.load(path: configPath)
        let weightPath = try locateWeights(folder)
        let listing = try WeightFile.list(path: weightPath)
        let tensors = try CanonicalNames.canonicalize(try listing.materialize(), file: weightPath)
        return Checkpoint(config: config, tensors: tensors, directory: directory, weightFile: weightPath,
                          skippedTensors: listing.skipped.map(CanonicalNames.canonical))
    }

    /// The tensor under its canonical name, checked against an expected shape when one is given;
    /// errors name the weight file and the tensor.
    public func tensor(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        guard let tensor = tensors[name] else { throw KoBERTError("\(weightFile): missing tensor \(name)") }
        if let shape, tensor.shape != shape {
            throw KoBERTError("\(weightFile): tensor \(name) has shape \(tensor.shape), the config implies \(shape)")
        }
        return tensor
    }

    private static func locateWeights(_ folder: URL) throws -> String {
        for name in weightFileNames {
            let path = folder.appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        for index in ["model.safetensors.index.json", "pytorch_model.bin.index.json"] {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(index).path) {
                throw KoBERTError("\(folder.path): sharded checkpoints (\(index)) are not supported")
            }
        }
        throw KoBERTError("\(folder.path): no model.safetensors or pytorch_model.bin in the model folder")
    }
}
