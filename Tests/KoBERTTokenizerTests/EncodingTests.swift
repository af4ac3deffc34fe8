import Foundation
import XCTest
@testable import KoBERTTokenizer

final class EncodingTests: XCTestCase {
    func testVocabularyLayoutIsKoBERTs() throws {
        let tokenizer = try Fixtures.tokenizer("unigram")
        XCTAssertEqual(tokenizer.vocabularySize, 8002)
        XCTAssertEqual([tokenizer.unkId, tokenizer.padId, tokenizer.clsId, tokenizer.sepId, tokenizer.maskId], [0, 1, 2, 3, 4])
        XCTAssertEqual(tokenizer.sentencePiece.model.pieces.count, 8000)
        XCTAssertEqual(tokenizer.sentencePiece.model.algorithm, .unigram)
        XCTAssertEqual(try Fixtures.tokenizer("bpe").sentencePiece.model.algorithm, .bpe)
        // Pieces after the five specials are sorted by code point, so vocab ids differ from SentencePiece ids.
        let tokens = (5..<tokenizer.vocabularySize).compactMap { tokenizer.token(forId: $0) }
        XCTAssertEqual(tokens, tokens.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) })
    }

    func testSingleEncodingAddsClsAndSep() throws {
        let tokenizer = try Fixtures.tokenizer("unigram")
        let pieces = tokenizer.tokenize("한국어 모델을 공유합니다.")
        let encoding = tokenizer.encode("한국어 모델을 공유합니다.")
        XCTAssertEqual(encoding.ids, [tokenizer.clsId] + pieces.map(\.id) + [tokenizer.sepId])
        XCTAssertEqual(encoding.pieces.first, "[CLS]")
        XCTAssertEqual(encoding.pieces.last, "[SEP]")
        XCTAssertEqual(encoding.typeIds, [Int](repeating: 0, count: pieces.count + 2))
        XCTAssertNil(encoding.offsets.first!)
        XCTAssertNil(encoding.offsets.last!)
        XCTAssertEqual(encoding.offsets[1]?.start, pieces[0].start)
        XCTAssertFalse(encoding.truncated)
    }

    func testTruncationAndPadding() throws {
        let tokenizer = try Fixtures.tokenizer("unigram")
        let a = String(repeating: "영화 ", count: 30), b = String(repeating: "배우 ", count: 10)
        let single = tokenizer.encode(a, maxLength: 16)
        XCTAssertEqual(single.ids.count, 16)
        XCTAssertTrue(single.truncated)
        XCTAssertEqual(single.ids.last, tokenizer.sepId)
        // longest_first on a pair: the longer side gives up tokens first.
        let pair = tokenizer.encode(a, pair: b, maxLength: 24)
        XCTAssertEqual(pair.ids.count, 24)
        let firstSep = pair.ids.firstIndex(of: tokenizer.sepId)!
        XCTAssertEqual(pair.typeIds.filter { $0 == 1 }.count, pair.ids.count - firstSep - 1)
        // 30 + 10 tokens + 3 specials = 43 → 19 to remove, all from the longer A (transformers' longest_first).
        XCTAssertEqual(firstSep - 1, 11)
        XCTAssertEqual(pair.ids.count - firstSep - 2, 10)
    }

    func testJSONLineEscapesAndKeepsOffsets() throws {
        let tokenizer = try Fixtures.tokenizer("unigram")
        let line = TokenizationJSON.line(tokenizer.tokenize("\"따옴표\" \\ 1,000"))
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        let tokens = object?["tokens"] as? [String]
        XCTAssertEqual(tokens, tokenizer.tokenize("\"따옴표\" \\ 1,000").map(\.piece))
        XCTAssertEqual((object?["offsets"] as? [[Int]])?.count, tokens?.count)
        let withSpecial = TokenizationJSON.line(tokenizer.encode("가"))
        XCTAssertTrue(withSpecial.contains("null"))
        let error = try JSONSerialization.jsonObject(with: Data(TokenizationJSON.errorLine("line 3: invalid UTF-8 at byte 1").utf8)) as? [String: String]
        XCTAssertEqual(error?["error"], "line 3: invalid UTF-8 at byte 1")
    }

    func testHangulShortcutIsOnlyTakenWhenExact() throws {
        // Both models use nmt_nfkc, which recomposes jamo; a syllable followed by conjoining jamo
        // must still be decomposed (the reference joins 가 + ᆨ into 각).
        let tokenizer = try Fixtures.tokenizer("unigram")
        XCTAssertTrue(tokenizer.sentencePiece.recomposesHangul())
        XCTAssertEqual(tokenizer.tokenize("가\u{11A8}").map(\.piece), tokenizer.tokenize("각").map(\.piece))
    }
}
