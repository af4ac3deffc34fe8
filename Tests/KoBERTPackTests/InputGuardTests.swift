import Foundation
import KoBERTCore
import KoBERTModel
import XCTest
@testable import KoBERTFormat
@testable import KoBERTQuantize
@testable import KoBERTRuntime

/// Up-front checks: a bad -o fails before any work, a wrong fallback tokenizer says why.
final class InputGuardTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    private func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let error as KoBERTError { return error.message } catch { return "\(error)" }
    }

    func testOutputPathInMissingFolderIsRejectedUpFront() {
        let output = "/tmp/kobert-no-such-dir-\(getpid())/x/a.kbt"
        let text = message { try QuantizeJob.checkOutputPath(output) }
        XCTAssertNotNil(text)
        XCTAssertTrue(text?.hasPrefix(output) ?? false, text ?? "")
        XCTAssertFalse(text?.contains(".tmp-") ?? true, text ?? "")
    }

    func testOutputPathThatIsAFolderIsRejected() {
        let scratch = ScratchFolder()
        let text = message { try QuantizeJob.checkOutputPath(scratch.path) }
        XCTAssertTrue(text?.contains("is a folder") ?? false, text ?? "nil")
    }

    func testWritableOutputPathPasses() {
        let scratch = ScratchFolder()
        XCTAssertNil(message { try QuantizeJob.checkOutputPath(scratch.file("a.kbt")) })
    }

    func testQuantizeJobFailsOnBadOutputBeforeReadingTheModel() {
        let job = QuantizeJob(modelDirectory: "/nonexistent-model-dir", output: "/tmp/kobert-no-such-dir-\(getpid())/a.kbt")
        let text = message { _ = try job.run() }
        XCTAssertTrue(text?.contains("does not exist") ?? false, text ?? "nil")
    }

    func testUnmatchedKeepFloatPatterns() {
        let plan = QuantizationPlan(mode: .int8, keepFloat: ["classifier", "nomatch", "encoder.layer.*.output.dense"])
        let prefixes = ["encoder.layer.0.output.dense", "classifier"]
        XCTAssertEqual(plan.unmatchedKeepFloatPatterns(linearPrefixes: prefixes), ["nomatch"])
    }

    func testMissingTokenizerReasonNamesTheGivenFolder() {
        let text = ModelLoader.missingTokenizerReason(model: "m", tokenizerDirectory: "/nonexistent", vocabularySize: 100)
        XCTAssertTrue(text.hasPrefix("/nonexistent: no tokenizer_78b3253a26.model and vocab.txt"), text)
        XCTAssertFalse(text.contains("models/tokenizer"), text)
    }

    func testMissingTokenizerReasonReportsVocabularyMismatch() throws {
        let directory = Self.root + "/models/tokenizer"
        guard let tokenizer = try ModelLoader.folderTokenizer(directory) else {
            throw XCTSkip("no models/tokenizer in this checkout")
        }
        let model = Self.root + "/Tests/Fixtures/checkpoints/distilbert-qa-safetensors"
        let predictor = try ModelLoader.load(path: model, task: .qa, tokenizerDirectory: directory)
        XCTAssertNil(predictor.tokenizer)
        let text = ModelLoader.missingTokenizerReason(model: model, tokenizerDirectory: directory,
                                                      vocabularySize: predictor.encoder.vocabularySize)
        XCTAssertEqual(text, "\(directory): tokenizer has \(tokenizer.vocabularySize) ids but the model's vocabulary has "
                       + "\(predictor.encoder.vocabularySize); use --ids or a matching tokenizer")
    }
}
