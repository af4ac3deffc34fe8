import Foundation
import XCTest
@testable import KoBERTModel
@testable import KoBERTRuntime

/// A checkpoint fixture written by Tools/fixtures/make_fixtures.py: the weights, the padded
/// batch given to transformers (inputs.json) and what transformers answered (expected.json).
struct CheckpointFixture {
    let name: String
    let directory: String
    let head: String
    let sequences: [TokenSequence]
    let expected: [String: Any]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/checkpoints")

    static func folder(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// Every architecture × head × format fixture (the broken ones and "views" have no expected outputs).
    static func all() throws -> [CheckpointFixture] {
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
            .filter { name in ["distilbert-", "bert-", "roberta-", "xlm-roberta-"].contains { name.hasPrefix($0) } }
        return try names.map { try CheckpointFixture(name: $0) }
    }

    init(name: String) throws {
        self.name = name
        directory = CheckpointFixture.folder(name)
        let inputs = try CheckpointFixture.json(directory + "/inputs.json")
        expected = try CheckpointFixture.json(directory + "/expected.json")
        head = ((expected["meta"] as? [String: Any])?["head"] as? String) ?? ""
        let lengths = inputs["lengths"] as! [Int]
        let ids = inputs["input_ids"] as! [[Int]]
        let types = inputs["token_type_ids"] as? [[Int]]
        sequences = lengths.indices.map { b in
            TokenSequence(ids: Array(ids[b].prefix(lengths[b])), typeIds: types.map { Array($0[b].prefix(lengths[b])) })
        }
    }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    /// expected[key] as numbers, shape [batch][position]… flattened per batch row.
    func rows(_ key: String) -> [[Double]]? {
        guard let value = expected[key] as? [Any] else { return nil }
        return value.map { flatten($0) }
    }

    /// The first `length` positions of a [batch][position][…] array, flattened.
    func rows(_ key: String, positions: (Int) -> Int) -> [[Double]]? {
        guard let value = expected[key] as? [[Any]] else { return nil }
        return value.enumerated().map { b, row in row.prefix(positions(b)).flatMap { flatten($0) } }
    }
}

private func flatten(_ value: Any) -> [Double] {
    if let number = value as? Double { return [number] }
    if let list = value as? [Any] { return list.flatMap { flatten($0) } }
    return []
}

/// max |a − b|, failing when the counts differ.
func maxDifference<A: Collection, B: Collection>(_ a: A, _ b: B, file: StaticString = #filePath, line: UInt = #line) -> Double
    where A.Element == Float, B.Element == Double {
    XCTAssertEqual(a.count, b.count, "value counts differ", file: file, line: line)
    return zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
}

/// A fixture folder's weights, fp32.
func fixtureWeights(_ name: String) throws -> CheckpointWeights {
    try CheckpointWeights(directory: CheckpointFixture.folder(name))
}

/// The error `body` throws, as text, or "no error".
func errorMessage(_ body: () throws -> Any) -> String {
    do { _ = try body(); return "no error" } catch { return "\(error)" }
}
