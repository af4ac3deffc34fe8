import Foundation
import XCTest
@testable import KoBERTTokenizer

/// WordPieceTokenizer against HF tokenizers' BertWordPieceTokenizer, from the fixtures that
/// Tools/tokenizer/wordpiece_fixtures.py wrote: ids, tokens, offsets and type ids, exactly.
final class WordPieceParityTests: XCTestCase {
    static let folder = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/wordpiece")

    private struct Expected {
        var text: String
        var pair: String?
        var ids: [Int]
        var offsets: [Int]
        var typeIds: [Int]?
        var maxLength: Int?
    }

    /// Reads `name/expected.jsonl`; Korean records name their lines in korean-lines.txt.
    private func expectations(_ name: String) throws -> [Expected] {
        let korean = try String(contentsOf: Self.folder.appendingPathComponent("korean-lines.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("\(name)/expected.jsonl"))
        var out: [Expected] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let text: String
            var pair: String?
            if let index = object["line"] as? Int {
                text = korean[index]
                pair = (object["pair_line"] as? Int).map { korean[$0] }
            } else {
                text = try XCTUnwrap(object["text"] as? String)
                pair = object["pair"] as? String
            }
            out.append(Expected(text: text, pair: pair, ids: try XCTUnwrap(object["ids"] as? [Int]),
                                offsets: try XCTUnwrap(object["offsets"] as? [Int]),
                                typeIds: object["type_ids"] as? [Int], maxLength: object["max_length"] as? Int))
        }
        return out
    }

    /// The reference's token for an id is that line of vocab.txt.
    private func vocabLines(_ name: String) throws -> [String] {
        try String(contentsOf: Self.folder.appendingPathComponent("\(name)/vocab.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    private func assertParity(_ name: String, minimumRecords: Int) throws {
        let tokenizer = try WordPieceTokenizer(directory: Self.folder.appendingPathComponent(name).path)
        let vocab = try vocabLines(name)
        let records = try expectations(name)
        XCTAssertGreaterThanOrEqual(records.count, minimumRecords)
        var failures = 0
        for record in records {
            let encoding = tokenizer.encode(record.text, pair: record.pair, maxLength: record.maxLength ?? Int.max)
            let offsets = encoding.offsets.flatMap { span in [span?.start ?? 0, span?.end ?? 0] }
            let tokens = record.ids.map { vocab[$0] }
            if encoding.ids != record.ids || encoding.pieces != tokens || offsets != record.offsets
                || (record.typeIds != nil && encoding.typeIds != record.typeIds) {
                failures += 1
                if failures <= 3 {
                    XCTFail("\(name): \(record.text.debugDescription)\n ours  \(encoding.pieces) \(offsets)\n theirs \(tokens) \(record.offsets)")
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(name): \(failures) of \(records.count) records differ")
    }

    func testCasedKoreanVocabulary() throws { try assertParity("cased", minimumRecords: 200) }

    func testUncasedAccentStrippingVocabulary() throws { try assertParity("uncased", minimumRecords: 200) }

    func testMiniLMEnglishMixedAndOddUnicode() throws { try assertParity("minilm", minimumRecords: 50) }

    func testConfigurationIsReadFromTokenizerConfig() throws {
        let cased = try WordPieceTokenizer(directory: Self.folder.appendingPathComponent("cased").path)
        let uncased = try WordPieceTokenizer(directory: Self.folder.appendingPathComponent("uncased").path)
        XCTAssertEqual([cased.lowercase, cased.stripAccents], [false, false])
        XCTAssertEqual([uncased.lowercase, uncased.stripAccents], [true, true])
    }
}

/// Small crafted vocabularies for the rules the fixtures rarely reach.
final class WordPieceRuleTests: XCTestCase {
    private let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nun\n##aff\n##able\na\n##a\n!\n"

    func testGreedyLongestMatchAndContinuationPrefix() throws {
        let tokenizer = try WordPieceTokenizer(vocabText: vocab, config: ["do_lower_case": true])
        let pieces = tokenizer.tokenize("UnAffable!")
        XCTAssertEqual(pieces.map(\.piece), ["un", "##aff", "##able", "!"])
        XCTAssertEqual(pieces.map { [$0.start, $0.end] }, [[0, 2], [2, 5], [5, 9], [9, 10]])
    }

    func testUncoveredWordIsOneUnknownSpanningTheWord() throws {
        let tokenizer = try WordPieceTokenizer(vocabText: vocab, config: [:])
        let pieces = tokenizer.tokenize("unx a")
        XCTAssertEqual(pieces.map(\.piece), ["[UNK]", "a"])
        XCTAssertEqual([pieces[0].start, pieces[0].end], [0, 3])
    }

    func testWordsLongerThanTheLimitAreUnknown() throws {
        let tokenizer = try WordPieceTokenizer(vocabText: vocab, config: [:])
        XCTAssertEqual(tokenizer.tokenize(String(repeating: "a", count: 100)).count, 100)
        let long = tokenizer.tokenize(String(repeating: "a", count: 101))
        XCTAssertEqual(long.map(\.piece), ["[UNK]"])
        XCTAssertEqual([long[0].start, long[0].end], [0, 101])
    }

    func testSpecialTokensInTheRawTextAreKept() throws {
        let tokenizer = try WordPieceTokenizer(vocabText: vocab, config: [:])
        XCTAssertEqual(tokenizer.tokenize("a[SEP]a").map(\.id), [8, 3, 8])
    }

    func testBadInputsAreErrors() {
        XCTAssertThrowsError(try WordPieceTokenizer(vocabText: "a\nb\n", config: [:]))   // no [UNK]
        XCTAssertThrowsError(try WordPieceTokenizer(vocabText: vocab, config: ["do_lower_case": "yes"]))
        XCTAssertThrowsError(try WordPieceTokenizer(vocabText: vocab, config: ["do_basic_tokenize": false]))
        XCTAssertThrowsError(try WordPieceTokenizer(vocabText: vocab, config: ["sep_token": 7]))
        XCTAssertThrowsError(try WordPieceTokenizer(directory: "/nonexistent-folder"))
    }

    func testFolderKindDetection() {
        let root = Fixtures.repositoryRoot
        XCTAssertEqual(TokenizerFolderKind.detect(directory: root.appendingPathComponent("Tests/Fixtures/wordpiece/cased").path), .wordPiece)
        XCTAssertEqual(TokenizerFolderKind.detect(directory: root.appendingPathComponent("models/tokenizer").path), .koBertSentencePiece)
        XCTAssertEqual(TokenizerFolderKind.detect(directory: "/nonexistent-folder"), .koBertSentencePiece)
    }
}
