import Foundation
import XCTest
@testable import KoBERTTokenizer

/// Tokens and ids must equal the real KoBertTokenizer's, for both models, on every fixture line.
final class ParityTests: XCTestCase {
    private func checkSlice(_ model: String) throws {
        let url = Fixtures.tokenizerFolder.appendingPathComponent("\(model)-slice.jsonl")
        let records = try Fixtures.records(url)
        XCTAssertGreaterThan(records.count, 300)
        XCTAssertTrue(records.contains { $0.source == "adversarial" })
        var check = ParityCheck()
        try check.run(records, model: model)
        XCTAssertEqual(check.checked, records.count)
        XCTAssertTrue(check.mismatches.isEmpty, "\(check.mismatches.count) of \(check.checked) differ:\n" + check.mismatches.prefix(15).joined(separator: "\n"))
    }

    func testUnigramSliceMatchesReference() throws { try checkSlice("unigram") }

    func testBPESliceMatchesReference() throws { try checkSlice("bpe") }

    /// The whole generated set (≥ 20,000 texts a model): set KOBERT_TOKENIZER_FULL_FIXTURES to the folder
    /// make_fixtures.py wrote (default .build-tokenizer-fixtures). Skipped when unset.
    func testFullFixtureSet() throws {
        guard let folder = ProcessInfo.processInfo.environment["KOBERT_TOKENIZER_FULL_FIXTURES"] else {
            throw XCTSkip("KOBERT_TOKENIZER_FULL_FIXTURES not set")
        }
        for model in ["unigram", "bpe"] {
            let records = try Fixtures.records(URL(fileURLWithPath: folder).appendingPathComponent("\(model).jsonl"))
            var check = ParityCheck()
            try check.run(records, model: model)
            print("full fixture set \(model): \(check.checked - check.mismatches.count)/\(check.checked) records identical")
            XCTAssertGreaterThanOrEqual(records.count, 20_000)
            XCTAssertTrue(check.mismatches.isEmpty, "\(model): \(check.mismatches.count) of \(check.checked) differ:\n" + check.mismatches.prefix(15).joined(separator: "\n"))
        }
    }
}
