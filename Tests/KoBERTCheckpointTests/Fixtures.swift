import Foundation
import KoBERTCore
import XCTest
@testable import KoBERTCheckpoint

/// Locates the committed checkpoint fixtures (written by Tools/fixtures/make_fixtures.py).
enum Fixtures {
    static let checkpoints: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("checkpoints")

    static func path(_ name: String) -> String { checkpoints.appendingPathComponent(name).path }

    static let architectures = ["distilbert", "bert", "roberta", "xlm-roberta"]
    static let heads = ["seqcls", "tokcls", "qa", "base"]
    static let formats = ["safetensors", "zip", "legacy"]
    /// RoBERTa / XLM-R fixtures come in safetensors only (the readers are proven on the others).
    static func formats(of architecture: String) -> [String] {
        architecture.hasSuffix("roberta") ? ["safetensors"] : formats
    }

    struct Entry: Decodable {
        let name: String
        let architecture: String
        let head: String
        let format: String
        let storage_dtype: String
        let sinusoidal: Bool
        let gamma_beta: Bool
        let without_prefix: Bool
    }

    static func manifest() throws -> [Entry] {
        let data = try Data(contentsOf: checkpoints.appendingPathComponent("manifest.json"))
        return try JSONDecoder().decode([Entry].self, from: data)
    }

    static func json(_ relativePath: String) throws -> [String: Any] {
        let data = try Data(contentsOf: checkpoints.appendingPathComponent(relativePath))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw KoBERTError("\(relativePath): not a JSON object")
        }
        return object
    }
}

/// Asserts that `body` throws a KoBERTError whose message contains every fragment.
func assertKoBERTError<T>(_ body: @autoclosure () throws -> T, contains fragments: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let error as KoBERTError {
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"", file: file, line: line)
        }
        XCTAssertFalse(error.message.contains("\n"), "error is not one line: \(error.message)", file: file, line: line)
    } catch {
        XCTFail("expected KoBERTError, got \(error)", file: file, line: line)
    }
}

/// Compares a checkpoint with the `weights_digest.json` transformers' own state dict produced:
/// names, shapes, exact first and last values, and the sum of all values.
func assertMatchesDigest(_ checkpoint: Checkpoint, digestFile: URL,
                         file: StaticString = #filePath, line: UInt = #line) throws {
    let data = try Data(contentsOf: digestFile)
    let digest = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    XCTAssertEqual(Set(checkpoint.tensors.keys), Set(digest.keys), digestFile.path, file: file, line: line)
    for (name, expected) in digest {
        let tensor = try checkpoint.tensor(name, shape: try XCTUnwrap(expected["shape"] as? [Int]))
        XCTAssertEqual(tensor.data.first, Float(try XCTUnwrap(expected["first"] as? Double)), name, file: file, line: line)
        XCTAssertEqual(tensor.data.last, Float(try XCTUnwrap(expected["last"] as? Double)), name, file: file, line: line)
        let sum = tensor.data.reduce(0.0) { $0 + Double($1) }
        let want = try XCTUnwrap(expected["sum"] as? Double)
        XCTAssertEqual(sum, want, accuracy: 1e-6 * max(1, abs(want)), name, file: file, line: line)
    }
}
