import Foundation
import XCTest
import KoBERTCore
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime
import KoBERTTokenizer

/// A model whose tokenizer is a tokenizer.json or a WordPiece vocab.txt carries it inside the .kbt
/// (FORMAT.md, `tokenizer.kind` + `files`): the packed file reads text with the same ids as the folder.
final class PackedTokenizerTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let texts = ["Hello, world!", "안녕하세요 영화 좋아요", "", "a b c [SEP] d"]

    /// The bert-seqcls fixture's config and weights (100 embedding rows, no tokenizer) in a scratch folder.
    func checkpointCopy(_ scratch: ScratchFolder) throws -> String {
        let folder = scratch.file("model")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let source = Self.fixtures + "/checkpoints/bert-seqcls-safetensors"
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: folder + "/" + name)
        }
        return folder
    }

    /// The same with a WordPiece tokenizer.json
    /// cut to its first 100 ids (the trained fixture's specials are ids 0–4).
    func folderWithTokenizerJSON(_ scratch: ScratchFolder) throws -> String {
        let folder = try checkpointCopy(scratch)
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/tokenizer-json/wordpiece/tokenizer.json"))
        var root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var model = try XCTUnwrap(root["model"] as? [String: Any])
        let vocab = try XCTUnwrap(model["vocab"] as? [String: Int])
        model["vocab"] = vocab.filter { $0.value < 100 }
        root["model"] = model
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
        return folder
    }

    func testTokenizerJSONTravelsInsideThePack() throws {
        let scratch = ScratchFolder()
        let folder = try folderWithTokenizerJSON(scratch)
        var job = QuantizeJob(modelDirectory: folder, output: scratch.file("m.kbt"))
        job.calibrationLimit = 4
        var lines: [String] = []
        _ = try job.run { lines.append($0) }
        XCTAssertTrue(lines.contains { $0.hasPrefix("tokenizer: tokenizer.json from") }, "\(lines)")
        // The built-in Korean sample does not suit this vocabulary: one warning says what to pass.
        XCTAssertEqual(lines.filter { $0.hasPrefix("warning: the built-in calibration sample") && $0.contains("--calibration FILE") }.count, 1)

        let file = try PackFile(path: scratch.file("m.kbt"))
        let packed = try XCTUnwrap(file.manifest.tokenizer)
        XCTAssertEqual(packed.kind, "tokenizer.json")
        XCTAssertNil(packed.model)
        XCTAssertEqual(packed.files?.map(\.name), ["tokenizer.json"])
        XCTAssertEqual(try file.blobBytes(try XCTUnwrap(packed.files?.first?.data), what: "tokenizer.json"),
                       [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/tokenizer.json"))))

        // Text through the packed file: the folder's tokenizer's ids, and the same label as those ids give.
        let fromFolder = try XCTUnwrap(try ModelLoader.folderTokenizer(folder))
        let predictor = try ModelLoader.load(path: scratch.file("m.kbt"))
        let tokenizer = try XCTUnwrap(predictor.tokenizer)
        for text in Self.texts {
            XCTAssertEqual(tokenizer.encode(text, maxLength: 64).ids, fromFolder.encode(text, maxLength: 64).ids, text)
            let byText = try predictor.classify([text], maxLength: 64)[0]
            let byIds = try predictor.classify(ids: [fromFolder.encode(text, maxLength: 64).ids])[0]
            XCTAssertEqual(byText.logits, byIds.logits, text)
        }
    }

    func testWordPieceFolderTravelsInsideThePack() throws {
        let scratch = ScratchFolder()
        let folder = try checkpointCopy(scratch)
        let words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", ",", "!", "##s"]
        try (words.joined(separator: "\n") + "\n").write(toFile: folder + "/vocab.txt", atomically: true, encoding: .utf8)
        try #"{"do_lower_case": true}"#.write(toFile: folder + "/tokenizer_config.json", atomically: true, encoding: .utf8)
        var job = QuantizeJob(modelDirectory: folder, output: scratch.file("m.kbt"))
        job.calibrationLimit = 2
        _ = try job.run()
        let packed = try XCTUnwrap(try PackFile(path: scratch.file("m.kbt")).manifest.tokenizer)
        XCTAssertEqual(packed.kind, "wordpiece")
        XCTAssertEqual(packed.files?.map(\.name), ["vocab.txt", "tokenizer_config.json"])
        let tokenizer = try XCTUnwrap(try ModelLoader.load(path: scratch.file("m.kbt")).tokenizer)
        XCTAssertEqual(tokenizer.encode("Hello, Worlds!", maxLength: 16).ids, [2, 5, 7, 6, 9, 8, 3])   // lower-cased by the packed config
    }

    /// A manifest whose tokenizer names no kind it knows, or files that kind does not read, is refused
    /// with one line at open / load.
    func testBadPackedTokenizerIsOneLine() throws {
        let scratch = ScratchFolder()
        for (kind, names, want) in [("sentencepiece-v9", ["x"], "unknown tokenizer kind"),
                                    ("tokenizer.json", ["tokenizer.json", "tokenizer.json"], "appears twice"),
                                    ("tokenizer.json", ["../evil"], "not a plain file name"),
                                    ("wordpiece", ["tokenizer.json"], "needs vocab.txt")] {
            let path = scratch.file("\(kind)-\(names.count).kbt")
            let writer = PackWriter()
            let entries = try Quantizer.pack(PackSamples.tensors, plan: QuantizationPlan(mode: .int8), into: writer)
            let refs = try writer.addBlobs(names.map { _ in [UInt8]("{}".utf8) })
            let tokenizer = PackedTokenizer(kind: kind, maxLength: 16, files: zip(names, refs).map { PackedTokenizerFile(name: $0, data: $1) })
            let manifest = PackManifest(config: PackSamples.config, task: "nsmc", labels: ["negative", "positive"], tokenizer: tokenizer,
                                        tensors: entries, quantization: nil,
                                        provenance: Provenance(tool: "tests", created: "2026-01-01T00:00:00Z", sources: []))
            try writer.write(manifest: manifest, to: path)
            XCTAssertThrowsError(try ModelLoader.load(path: path), kind) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(want), message)
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
    }
}
