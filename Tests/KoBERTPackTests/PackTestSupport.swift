import Foundation
import KoBERTCore
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime
import KoBERTTokenizer

/// Scratch files for one test, removed afterwards.
final class ScratchFolder {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "kobert-pack-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum PackSamples {
    static let config = ModelConfig(architecture: .bert, vocabSize: 6, hiddenSize: 4, numLayers: 1, numHeads: 2,
                                    intermediateSize: 8, activation: .gelu, maxPositions: 16, typeVocabSize: 2,
                                    layerNormEps: 1e-12, padTokenId: 1, sinusoidalPositions: false,
                                    architectures: ["BertForSequenceClassification"], id2label: [0: "negative", 1: "positive"])

    /// A deterministic pseudo-random fp32 tensor.
    static func tensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        let data = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        return Tensor(shape: shape, data: data)
    }

    static let tensors: [String: Tensor] = [
        "embeddings.word_embeddings.weight": tensor([6, 4], seed: 1),
        "embeddings.position_embeddings.weight": tensor([16, 4], seed: 2),
        "encoder.layer.0.attention.self.query.weight": tensor([4, 4], seed: 3),
        "encoder.layer.0.attention.self.query.bias": tensor([4], seed: 4),
        "encoder.layer.0.output.LayerNorm.weight": tensor([4], seed: 5),
    ]

    /// KoBERT's two tokenizer files with placeholder bytes: packs that are never asked for text.
    static func fakeKoBertTokenizer() throws -> TokenizerFileSet {
        try TokenizerFileSet(kind: .koBertSentencePiece, files: [
            .init(name: "tokenizer_78b3253a26.model", bytes: [1, 2, 3, 4]), .init(name: "vocab.txt", bytes: Array("[PAD]\n[UNK]\n".utf8)),
        ])
    }

    /// Writes a small int8 pack (with a tokenizer) and returns its manifest.
    @discardableResult
    static func writePack(to path: String, task: String = "nsmc", mode: PackMode = .int8) throws -> PackManifest {
        let writer = PackWriter()
        let entries = try Quantizer.pack(tensors, plan: QuantizationPlan(mode: mode), into: writer)
        let tokenizer = try Quantizer.pack(PackSamples.fakeKoBertTokenizer(),
                                           maxLength: 16, into: writer)
        let manifest = PackManifest(config: config, task: task, labels: ["negative", "positive"], tokenizer: tokenizer,
                                    tensors: entries, quantization: nil,
                                    provenance: Provenance(tool: "tests", created: "2026-01-01T00:00:00Z", sources: []))
        try writer.write(manifest: manifest, to: path)
        return manifest
    }
}

extension Array where Element == UInt8 {
    func writeFile(_ path: String) throws { try Data(self).write(to: URL(fileURLWithPath: path)) }
    static func readFile(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
}
