import Foundation
import KoBERTCore
import XCTest
@testable import KoBERTCheckpoint

/// Valid structure, absurd number: every numeric field of a safetensors header and of a
/// config.json set to values no writer produces. Each must be one thrown line, never a trap
/// (safetensors has no checksum; these are what a hostile or broken writer can hand us).
final class AbsurdNumberTableTests: XCTestCase {
    // MARK: safetensors

    /// Two tensors, F32 [2, 3] and F16 [4], with any header fields replaced.
    private func safetensors(header: [String: Any]? = nil, declaredLength: UInt64? = nil) throws -> FileBytes {
        let fields = header ?? Self.safetensorsHeader
        let json = [UInt8](try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
        var bytes: [UInt8] = []
        let length = declaredLength ?? UInt64(json.count)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        bytes += json
        bytes += [UInt8](repeating: 0x3C, count: 24 + 8)   // 1.0-ish halves and small floats
        return FileBytes(name: "crafted.safetensors", data: Data(bytes))
    }

    // The tables are computed (a fresh value per use): `Any` is not Sendable, so they cannot be static `let`s.
    private static var safetensorsHeader: [String: Any] {
        [
            "a": ["dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]],
            "b": ["dtype": "F16", "shape": [4], "data_offsets": [24, 32]],
            "__metadata__": ["format": "pt"],
        ]
    }

    private static var absurd: [Any] { [-1, 1 << 31, 1 << 62, Int.max, Int.min, 1.8446744073709552e19, 0.5, 1e300] }

    func testTheCraftedSafetensorsLoads() throws {
        let tensors = try WeightFile.list(file: try safetensors()).materialize()
        XCTAssertEqual(tensors["a"]?.shape, [2, 3])
        XCTAssertEqual(tensors["b"]?.shape, [4])
    }

    func testEverySafetensorsHeaderNumber() throws {
        let lengthValues: [UInt64] = [0, 1, 7, 1 << 31, 1 << 62, UInt64(Int.max), 1 << 63, UInt64.max]
        for value in lengthValues {
            assertKoBERTError(try WeightFile.list(file: try safetensors(declaredLength: value)).materialize(),
                              contains: ["crafted.safetensors"])
        }
        var cases = 0
        for tensor in ["a", "b"] {
            let entry = Self.safetensorsHeader[tensor] as! [String: Any]
            for key in ["shape", "data_offsets"] {
                let list = entry[key] as! [Int]
                for index in list.indices {
                    for value in Self.absurd {
                        var edited = list.map { $0 as Any }
                        edited[index] = value
                        var header = Self.safetensorsHeader
                        var changed = entry
                        changed[key] = edited
                        header[tensor] = changed
                        assertKoBERTError(try WeightFile.list(file: try safetensors(header: header)).materialize(),
                                          contains: ["crafted.safetensors", tensor])
                        cases += 1
                    }
                }
            }
        }
        XCTAssertEqual(cases, 7 * Self.absurd.count)   // shape 2 + 1 dimensions, offsets 2 + 2
    }

    /// The report: [2^31, 2^31] overflowed inside the error message.
    func testHugeShapeOverflowsNoMessage() throws {
        var header = Self.safetensorsHeader
        header["a"] = ["dtype": "F32", "shape": [1 << 31, 1 << 31], "data_offsets": [0, 24]]
        assertKoBERTError(try WeightFile.list(file: try safetensors(header: header)).materialize(),
                          contains: ["crafted.safetensors: tensor a", "[2147483648, 2147483648]"])
    }

    // MARK: config.json

    private func parse(_ object: [String: Any]) throws -> ModelConfig {
        try ModelConfig.parse(json: try JSONSerialization.data(withJSONObject: object), file: "crafted/config.json")
    }

    private static var bert: [String: Any] {
        [
            "model_type": "bert", "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
            "intermediate_size": 64, "max_position_embeddings": 64, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
            "pad_token_id": 1, "id2label": ["0": "neg", "1": "pos"],
        ]
    }
    private static var distilbert: [String: Any] {
        [
            "model_type": "distilbert", "vocab_size": 100, "dim": 32, "n_layers": 2, "n_heads": 4, "hidden_dim": 64,
            "max_position_embeddings": 64, "pad_token_id": 1, "label2id": ["neg": 0, "pos": 1],
        ]
    }

    func testEveryConfigNumber() throws {
        XCTAssertNoThrow(try parse(Self.bert))
        XCTAssertNoThrow(try parse(Self.distilbert))
        var cases = 0
        for base in [Self.bert, Self.distilbert] {
            for (key, value) in base where value is NSNumber && !(value is String) {
                let values: [Any] = key == "layer_norm_eps" ? [-1.0, 0.0, 2.0, 1e300, -1e-30] : Self.absurd + [0]
                for bad in values where !(key == "pad_token_id" && (bad as? Int) == 0) {
                    var object = base
                    object[key] = bad
                    assertKoBERTError(try parse(object), contains: ["crafted/config.json"])
                    cases += 1
                }
            }
        }
        // Label ids, as id2label keys and as label2id values.
        for bad in ["-1", "2", "4611686018427387904", "99999999999999999999", "1e3", "0.5"] {
            var object = Self.bert
            object["id2label"] = ["0": "neg", bad: "pos"]
            assertKoBERTError(try parse(object), contains: ["crafted/config.json", "id2label"])
            cases += 1
        }
        for bad in Self.absurd {
            var object = Self.distilbert
            object["label2id"] = ["neg": 0, "pos": bad]
            assertKoBERTError(try parse(object), contains: ["crafted/config.json"])
            cases += 1
        }
        XCTAssertGreaterThan(cases, 120)
    }
}
