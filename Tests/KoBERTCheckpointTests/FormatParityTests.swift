import KoBERTCore
import XCTest
@testable import KoBERTCheckpoint

/// Every tiny fixture loads in all three formats, and the formats agree bit for bit.
final class FormatParityTests: XCTestCase {
    func testEveryFixtureIsListedInTheManifest() throws {
        let names = Set(try Fixtures.manifest().map(\.name))
        for arch in Fixtures.architectures {
            for head in Fixtures.heads {
                for format in Fixtures.formats(of: arch) {
                    XCTAssertTrue(names.contains("\(arch)-\(head)-\(format)"), "\(arch)-\(head)-\(format)")
                }
            }
        }
    }

    func testThreeFormatsHoldIdenticalTensors() throws {
        for arch in Fixtures.architectures where Fixtures.formats(of: arch).count > 1 {
            for head in Fixtures.heads {
                let loaded = try Fixtures.formats.map { try Checkpoint.load(directory: Fixtures.path("\(arch)-\(head)-\($0)")) }
                let reference = loaded[0]
                XCTAssertGreaterThan(reference.tensors.count, 20, "\(arch)-\(head)")
                for (format, other) in zip(Fixtures.formats, loaded).dropFirst() {
                    XCTAssertEqual(Set(other.tensors.keys), Set(reference.tensors.keys), "\(arch)-\(head)-\(format) names")
                    XCTAssertEqual(other.config, reference.config, "\(arch)-\(head)-\(format) config")
                    for (name, tensor) in reference.tensors {
                        guard let twin = other.tensors[name] else { continue }
                        XCTAssertEqual(twin.shape, tensor.shape, "\(arch)-\(head)-\(format) \(name)")
                        XCTAssertTrue(twin.data.map(\.bitPattern) == tensor.data.map(\.bitPattern),
                                      "\(arch)-\(head)-\(format) \(name) differs")
                    }
                }
            }
        }
    }

    func testNamesAreCanonicalAndShapesFollowTheConfig() throws {
        for entry in try Fixtures.manifest() {
            let checkpoint = try Checkpoint.load(directory: Fixtures.path(entry.name))
            let config = checkpoint.config
            let d = config.hiddenSize, ff = config.intermediateSize
            for name in checkpoint.tensors.keys {
                XCTAssertFalse(name.hasPrefix("distilbert.") || name.hasPrefix("bert.") || name.hasPrefix("roberta."), "\(entry.name): \(name)")
                XCTAssertFalse(name.hasSuffix(".gamma") || name.hasSuffix(".beta"), "\(entry.name): \(name)")
            }
            var expected: [String: [Int]] = [
                "embeddings.word_embeddings.weight": [config.vocabSize, d],
                "embeddings.position_embeddings.weight": [config.maxPositions, d],
                "embeddings.LayerNorm.weight": [d],
                "embeddings.LayerNorm.bias": [d],
            ]
            let last = config.numLayers - 1
            if entry.architecture == "distilbert" {
                let layer = "transformer.layer.\(last)."
                expected[layer + "attention.q_lin.weight"] = [d, d]
                expected[layer + "attention.out_lin.bias"] = [d]
                expected[layer + "sa_layer_norm.weight"] = [d]
                expected[layer + "ffn.lin1.weight"] = [ff, d]
                expected[layer + "ffn.lin2.weight"] = [d, ff]
                expected[layer + "output_layer_norm.bias"] = [d]
            } else {
                let layer = "encoder.layer.\(last)."
                expected["embeddings.token_type_embeddings.weight"] = [config.typeVocabSize, d]
                expected[layer + "attention.self.query.weight"] = [d, d]
                expected[layer + "attention.output.dense.weight"] = [d, d]
                expected[layer + "attention.output.LayerNorm.weight"] = [d]
                expected[layer + "intermediate.dense.weight"] = [ff, d]
                expected[layer + "output.dense.weight"] = [d, ff]
                expected[layer + "output.LayerNorm.bias"] = [d]
            }
            switch entry.head {
            case "seqcls" where entry.architecture.hasSuffix("roberta"):
                expected["classifier.dense.weight"] = [d, d]
                expected["classifier.out_proj.weight"] = [2, d]
            case "seqcls":
                expected["classifier.weight"] = [2, d]
                if entry.architecture == "distilbert" { expected["pre_classifier.weight"] = [d, d] }
                else { expected["pooler.dense.weight"] = [d, d] }
            case "tokcls": expected["classifier.weight"] = [5, d]
            case "qa": expected["qa_outputs.weight"] = [2, d]
            default:
                if entry.architecture != "distilbert" { expected["pooler.dense.weight"] = [d, d] }
            }
            for (name, shape) in expected {
                XCTAssertEqual(checkpoint.tensors[name]?.shape, shape, "\(entry.name): \(name)")
            }
            let skipped = entry.name.hasPrefix("bert-base") ? ["embeddings.position_ids"] : []
            XCTAssertEqual(checkpoint.skippedTensors, skipped, entry.name)
            XCTAssertTrue(checkpoint.weightFile.hasSuffix(entry.format == "safetensors" ? "model.safetensors" : "pytorch_model.bin"))
        }
    }

    func testValuesMatchTransformersStateDict() throws {
        for arch in Fixtures.architectures {
            for head in Fixtures.heads {
                let digest = Fixtures.checkpoints.appendingPathComponent("\(arch)-\(head)-safetensors/weights_digest.json")
                for format in Fixtures.formats(of: arch) {
                    let checkpoint = try Checkpoint.load(directory: Fixtures.path("\(arch)-\(head)-\(format)"))
                    try assertMatchesDigest(checkpoint, digestFile: digest)
                }
            }
        }
    }

    func testLayerNormsAndBiasesAreNotTrivial() throws {
        // Guards the fixtures themselves: a reader that zeroed biases would still pass parity.
        let checkpoint = try Checkpoint.load(directory: Fixtures.path("bert-seqcls-legacy"))
        let scale = try XCTUnwrap(checkpoint.tensors["encoder.layer.0.attention.output.LayerNorm.weight"])
        XCTAssertGreaterThan(Set(scale.data).count, 10)
        let bias = try XCTUnwrap(checkpoint.tensors["encoder.layer.0.intermediate.dense.bias"])
        XCTAssertGreaterThan(bias.data.map(abs).max() ?? 0, 0.01)
    }

    func testSinusoidalPositionsAreReadFromTheWeights() throws {
        let checkpoint = try Checkpoint.load(directory: Fixtures.path("distilbert-base-legacy"))
        XCTAssertTrue(checkpoint.config.sinusoidalPositions)
        let positions = try XCTUnwrap(checkpoint.tensors["embeddings.position_embeddings.weight"])
        let dim = checkpoint.config.hiddenSize
        // Stored as fp16: sin(1) and cos(1) to half precision.
        XCTAssertEqual(positions.data[dim + 0], Float(sin(1.0)), accuracy: 1e-3)
        XCTAssertEqual(positions.data[dim + 1], Float(cos(1.0)), accuracy: 1e-3)
        XCTAssertEqual(positions.data[0], 0)
        XCTAssertEqual(positions.data[1], 1)
    }
}
