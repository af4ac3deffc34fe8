import Foundation
import XCTest
@testable import KoBERTTokenizer

/// HFTokenizer (tokenizer.json) against HF tokenizers, from the fixtures that
/// `Tools/tokenizer/tokenizer_json_parity.py train-fixtures` wrote: a Unigram (Replace + Metaspace +
/// `<s> $A </s>`, and again behind a Precompiled charsmap) and a WordPiece (BertNormalizer +
/// BertPreTokenizer + BertProcessing) tokenizer.json trained on NSMC lines, and the reference's ids,
/// tokens and offsets for 228 lines (160 real, 60 fuzz, 8 crafted for the charsmap).
/// The real artifacts (multilingual-e5's 250,002-piece file, MiniLM) run through the same tool's
/// `compare` (README, tokenizer.json).
final class TokenizerJSONTests: XCTestCase {
    static let folder = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/tokenizer-json")

    private func assertParity(_ name: String) throws {
        let tokenizer = try HFTokenizer(directory: Self.folder.appendingPathComponent(name).path)
        let raw = try Data(contentsOf: Self.folder.appendingPathComponent("lines.txt"))
        var lines = raw.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if lines.last == "" { lines.removeLast() }
        let expected = try Data(contentsOf: Self.folder.appendingPathComponent("\(name)/expected.jsonl"))
            .split(separator: UInt8(ascii: "\n")).map { try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
        XCTAssertEqual(lines.count, expected.count)
        XCTAssertGreaterThanOrEqual(lines.count, 200)
        var failures = 0
        for (text, record) in zip(lines, expected) {
            let record = try XCTUnwrap(record)
            let encoding = tokenizer.encode(text, maxLength: Int.max)
            let ids = try XCTUnwrap(record["ids"] as? [Int])
            let tokens = try XCTUnwrap(record["tokens"] as? [String])
            let offsets = try XCTUnwrap(record["offsets"] as? [Any]).map { ($0 as? [Int]).map { [$0[0], $0[1]] } }
            let ours = encoding.offsets.map { $0.map { [$0.start, $0.end] } }
            // Scalars, not String ==, which would take "각" and its jamo for one token.
            let sameTokens = encoding.pieces.map { Array($0.unicodeScalars) } == tokens.map { Array($0.unicodeScalars) }
            if encoding.ids != ids || !sameTokens || ours != offsets {
                failures += 1
                if failures <= 3 { XCTFail("\(name): \(text.debugDescription)\n ours   \(encoding.pieces) \(ours)\n theirs \(tokens) \(offsets)") }
            }
        }
        XCTAssertEqual(failures, 0, "\(name): \(failures) of \(lines.count) lines differ")
    }

    func testUnigramTokenizerJSONParity() throws { try assertParity("unigram") }

    /// The same model behind Precompiled (a tiny charsmap pinning HF's rules: clusters of 6+ bytes go
    /// scalar by scalar, the shortest key wins, deletions and expansions keep HF's spans) + Replace.
    func testPrecompiledUnigramTokenizerJSONParity() throws { try assertParity("unigram-precompiled") }

    func testWordPieceTokenizerJSONParity() throws { try assertParity("wordpiece") }

    /// The cased and uncased WordPiece vocabularies of Tests/Fixtures/wordpiece as tokenizer.json
    /// (`tokenizer_json_parity.py from-vocab`): BertNormalizer with clean_text and handle_chinese_chars,
    /// uncased also lowercase + strip_accents, which decomposes Hangul syllables into jamo.
    func testCasedWordPieceTokenizerJSONParity() throws { try assertParity("wordpiece-cased") }

    func testUncasedWordPieceTokenizerJSONParity() throws { try assertParity("wordpiece-uncased") }

    func testFolderWithTokenizerJSONIsDetected() {
        XCTAssertEqual(TokenizerFolderKind.detect(directory: Self.folder.appendingPathComponent("unigram").path), .tokenizerJSON)
        let root = Fixtures.repositoryRoot
        XCTAssertEqual(TokenizerFolderKind.detect(directory: root.appendingPathComponent("models/tokenizer").path), .koBertSentencePiece)
    }

    func testPairTemplateAndTruncation() throws {
        let tokenizer = try HFTokenizer(directory: Self.folder.appendingPathComponent("unigram").path)
        let pair = tokenizer.encode("영화 좋다", pair: "별로", maxLength: 512)
        XCTAssertEqual(pair.pieces.first, "<s>")
        XCTAssertEqual(pair.pieces.filter { $0 == "</s>" }.count, 3)   // <s> A </s> </s> B </s>
        let cut = tokenizer.encode(String(repeating: "영화 ", count: 50), maxLength: 8)
        XCTAssertEqual(cut.count, 8)
        XCTAssertTrue(cut.truncated)
        XCTAssertEqual(cut.pieces.last, "</s>")
    }

    private func loadError(_ json: String) -> String {
        do {
            _ = try HFTokenizer(data: Data(json.utf8), source: "t.json")
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    func testUnsupportedComponentsAreOneLineErrors() {
        let unigram = #""model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1.0]]}"#
        XCTAssertEqual(loadError(#"{"pre_tokenizer": {"type": "ByteLevel"}, "# + unigram + "}"),
                       "t.json: pre_tokenizer ByteLevel is not supported")
        XCTAssertEqual(loadError(#"{"normalizer": {"type": "NFKC"}, "# + unigram + "}"),
                       "t.json: normalizer NFKC is not supported")
        XCTAssertEqual(loadError(#"{"model": {"type": "BPE", "vocab": {}, "merges": []}}"#),
                       "t.json: model BPE is not supported")
        XCTAssertEqual(loadError(#"{"post_processor": {"type": "ByteLevel"}, "# + unigram + "}"),
                       "t.json: post_processor ByteLevel is not supported")
        XCTAssertEqual(loadError(#"{"model": {"type": "Unigram", "unk_id": 7, "vocab": [["<unk>", 0.0]]}}"#),
                       "t.json: model Unigram unk_id 7 is outside the vocab (1 pieces)")
        XCTAssertEqual(loadError(#"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 5}}}"#),
                       #"t.json: model WordPiece vocab ids must be 0..<2, each once ("a" has 5)"#)
        XCTAssertEqual(loadError(#"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": -1}}}"#),
                       #"t.json: model WordPiece vocab id of "[UNK]" must be an id from 0 to 2147483647"#)
        // An empty charsmap (trie size 0) is valid: nothing is rewritten.
        XCTAssertEqual(loadError(#"{"normalizer": {"type": "Precompiled", "precompiled_charsmap": "AAAAAA=="}, "# + unigram + "}"), "loaded")
        XCTAssertEqual(loadError(#"{"normalizer": {"type": "Precompiled", "precompiled_charsmap": "/////w=="}, "# + unigram + "}"),
                       "t.json: precompiled_charsmap trie size 4294967295 exceeds the blob (4 bytes)")
        XCTAssertEqual(loadError("[1]"), "t.json: not a JSON object")
        XCTAssertEqual(loadError(#"{"added_tokens": [{"id": 1, "content": "<mask>", "lstrip": true}], "# + unigram + "}"),
                       #"t.json: added token "<mask>" with lstrip=true is not supported"#)
    }
}
