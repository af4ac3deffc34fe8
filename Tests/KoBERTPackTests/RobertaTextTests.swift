import Foundation
import XCTest
import KoBERTCore
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// An XLM-R model as users have it (config.json, model.safetensors, tokenizer.json) read from text,
/// against `tokenizers`' ids and transformers' logits (Tools/fixtures/make_fixtures.py, xlm-roberta-text);
/// then packed to int8 with the tokenizer.json inside, which must read the same text the same way.
final class RobertaTextTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path
    static let folder = fixtures + "/checkpoints/xlm-roberta-text"

    /// The model as users have it: config.json, model.safetensors and tokenizer.json in one folder.
    func modelFolder(_ scratch: ScratchFolder) throws -> String {
        let folder = scratch.file("xlmr")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: Self.folder + "/" + name, toPath: folder + "/" + name)
        }
        try FileManager.default.copyItem(atPath: Self.fixtures + "/tokenizer-json/unigram/tokenizer.json",
                                         toPath: folder + "/tokenizer.json")
        return folder
    }

    struct Fixture: Decodable {
        struct Texts: Decodable { var texts: [String]; var pair: [String] }
        struct Inputs: Decodable { var input_ids: [[Int]]; var lengths: [Int] }
        struct Expected: Decodable { var logits: [[Float]] }
        var texts: Texts, inputs: Inputs, expected: Expected

        init() throws {
            func read<T: Decodable>(_ name: String) throws -> T {
                try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: RobertaTextTests.folder + "/" + name)))
            }
            texts = try read("texts.json"); inputs = try read("inputs.json"); expected = try read("expected.json")
        }

        /// `tokenizers`' ids of row `b` (the texts, then the pair), without the padding.
        func ids(_ b: Int) -> [Int] { Array(inputs.input_ids[b].prefix(inputs.lengths[b])) }
    }

    func testTextThroughTheFolderMatchesTokenizersAndTransformers() throws {
        let fixture = try Fixture()
        let scratch = ScratchFolder()
        let predictor = try ModelLoader.load(path: try modelFolder(scratch), task: nil, threads: 2)
        XCTAssertEqual(predictor.task, .nsmc, "XLMRobertaForSequenceClassification")
        let tokenizer = try XCTUnwrap(predictor.tokenizer)
        for (b, text) in fixture.texts.texts.enumerated() {
            XCTAssertEqual(tokenizer.encode(text).ids, fixture.ids(b), text)
        }
        let pair = tokenizer.encode(fixture.texts.pair[0], pair: fixture.texts.pair[1], maxLength: 512)
        XCTAssertEqual(pair.ids, fixture.ids(fixture.texts.texts.count), "pair: <s> A </s></s> B </s>")
        let results = try predictor.classify(fixture.texts.texts)
        for (b, result) in results.enumerated() {
            XCTAssertEqual(Double(zip(result.logits, fixture.expected.logits[b]).map { abs($0 - $1) }.max()!), 0, accuracy: 1e-4,
                           fixture.texts.texts[b])
        }
        // The pair runs with one segment (RoBERTa's single token-type row), as transformers runs it.
        let pairLogits = try predictor.classify(sequences: [predictor.sequence(pair)])[0].logits
        XCTAssertEqual(Double(zip(pairLogits, fixture.expected.logits.last!).map { abs($0 - $1) }.max()!), 0, accuracy: 1e-4)
    }

    func testPackedInt8ReadsTheSameTextTheSameWay() throws {
        let fixture = try Fixture()
        let scratch = ScratchFolder()
        var job = QuantizeJob(modelDirectory: try modelFolder(scratch), output: scratch.file("xlmr.kbt"))
        job.calibration = .textFile(try writeLines(fixture.texts.texts, to: scratch.file("calibration.txt")))
        var lines: [String] = []
        _ = try job.run { lines.append($0) }
        XCTAssertTrue(lines.contains { $0.hasPrefix("tokenizer: tokenizer.json from") }, "\(lines)")
        let packed = try ModelLoader.load(path: scratch.file("xlmr.kbt"), task: nil, threads: 2)
        let tokenizer = try XCTUnwrap(packed.tokenizer)
        for (b, text) in fixture.texts.texts.enumerated() {
            XCTAssertEqual(tokenizer.encode(text).ids, fixture.ids(b), text)
        }
        let results = try packed.classify(fixture.texts.texts)
        var difference: Float = 0, norm: Float = 0
        for (result, want) in zip(results, fixture.expected.logits) {
            for (a, b) in zip(result.logits, want) { difference += (a - b) * (a - b); norm += b * b }
        }
        XCTAssertLessThan((difference / norm).squareRoot(), 0.08, "relative L2 error of the int8 logits")
    }

    private func writeLines(_ lines: [String], to path: String) throws -> String {
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
