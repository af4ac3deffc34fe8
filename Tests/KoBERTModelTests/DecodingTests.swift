import XCTest
@testable import KoBERTModel
@testable import KoBERTRuntime

/// Tags → entities and logits → answer spans, on hand-made inputs.
final class DecodingTests: XCTestCase {
    private func token(_ tag: String, _ span: Range<Int>, word: Bool = true, p: Float = 0.5) -> EntityDecoder.Token {
        EntityDecoder.Token(startsWord: word, tag: tag, probability: p, span: span, isSpecial: false)
    }

    func testBothTagSpellings() {
        for (begin, inside) in [("PER-B", "PER-I"), ("B-PER", "I-PER")] {
            let found = EntityDecoder.decode([token(begin, 0..<3), token(inside, 4..<6), token("O", 7..<9)])
            XCTAssertEqual(found.count, 1)
            XCTAssertEqual(found[0].label, "PER")
            XCTAssertEqual(found[0].span, 0..<6)
        }
    }

    func testLaterPiecesFollowTheirWord() {
        // "이순신은" = 이순 + 신은: the second piece's own tag (O) does not cut the entity.
        let found = EntityDecoder.decode([
            token("PER-B", 0..<2, p: 0.9), token("O", 2..<4, word: false),
            token("O", 5..<7), token("LOC-B", 8..<10, p: 0.7), token("LOC-B", 10..<12, word: false),
        ])
        XCTAssertEqual(found.map(\.label), ["PER", "LOC"])
        XCTAssertEqual(found.map(\.span), [0..<4, 8..<12])
        XCTAssertEqual(found[0].score, 0.9, accuracy: 1e-6)
    }

    func testInsideWithoutBeginStartsAnEntityAndTypeChangeSplits() {
        let found = EntityDecoder.decode([token("I-ORG", 0..<2), token("I-PER", 3..<5), token("B-PER", 6..<8)])
        XCTAssertEqual(found.map(\.label), ["ORG", "PER", "PER"])
    }

    func testSpansStayInsideTheContextAndOrdered() {
        // The best pair overall (start 0, end 1) is outside the context [3, 6).
        let start: [Float] = [9, 0, 0, 1, 5, 0, 0]
        let end: [Float] = [0, 9, 0, 0, 0, 4, 8]
        let best = SpanSelector(maxLength: 30).best(start: start, end: end, context: [3, 4, 5])!
        XCTAssertEqual(best.first, 4); XCTAssertEqual(best.last, 5)
        XCTAssertGreaterThan(best.score, 0); XCTAssertLessThanOrEqual(best.score, 1)
        // end before start is never chosen, and the length limit holds.
        let reversed = SpanSelector(maxLength: 30).best(start: [0, 0, 9], end: [0, 9, 0], context: [1, 2])!
        XCTAssertLessThanOrEqual(reversed.first, reversed.last)
        let short = SpanSelector(maxLength: 1).best(start: [5, 0, 0], end: [0, 0, 5], context: [0, 1, 2])!
        XCTAssertEqual(short.first, short.last)
    }

    func testTrimmedSpanDropsSpaces() {
        let characters = Array(" 서울 시".unicodeScalars)
        XCTAssertEqual(trimmedSpan(characters, 0..<3), 1..<3)
        XCTAssertEqual(slice(characters, 1..<3), "서울")
        XCTAssertTrue(trimmedSpan(characters, 10..<20).isEmpty, "offsets past the end give an empty span, not a trap")
    }
}
