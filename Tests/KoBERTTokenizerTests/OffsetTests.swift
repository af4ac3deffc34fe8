import XCTest
@testable import KoBERTTokenizer

/// Offsets are code-point spans of the ORIGINAL text: slicing the input at them and running the slice
/// through the same preprocessing + SentencePiece normalization must give back the piece's text.
final class OffsetTests: XCTestCase {
    /// What the tokenizer's normalization makes of `text` (without the dummy "▁").
    private func normalizedSurface(_ text: String, _ tokenizer: KoBertTokenizer) -> String {
        let scalars = text.unicodeScalars.map(\.value)
        let preprocessor = KoBertPreprocessor(lowercase: tokenizer.lowercase, keepHangulSyllables: false)
        let preprocessed = scalars.withUnsafeBufferPointer { preprocessor.preprocess($0, 0..<scalars.count) }
        let (normalized, _) = tokenizer.sentencePiece.encode(preprocessed)
        return String(decoding: normalized.bytes, as: UTF8.self).replacingOccurrences(of: "\u{2581}", with: "")
    }

    private func checkOffsets(model: String) throws {
        let tokenizer = try Fixtures.tokenizer(model)
        let records = try Fixtures.records(Fixtures.tokenizerFolder.appendingPathComponent("\(model)-slice.jsonl"))
            .filter { $0.pair == nil && !$0.lowercase }
        var pieces = 0, sliced = 0, failures: [String] = []
        for record in records {
            let scalars = Array(record.text.unicodeScalars)
            var previousStart = 0
            for piece in tokenizer.tokenize(record.text) {
                pieces += 1
                guard piece.start >= previousStart, piece.start <= piece.end, piece.end <= scalars.count else {
                    failures.append("\(record.text.debugDescription.prefix(60)): \(piece) out of order or range")
                    continue
                }
                previousStart = piece.start
                var slice = String.UnicodeScalarView()
                slice.append(contentsOf: scalars[piece.start..<piece.end])
                let surface = normalizedSurface(String(slice), tokenizer)
                if String(slice) == piece.piece { sliced += 1; continue }   // special tokens, plain pieces
                let expected = piece.piece.replacingOccurrences(of: "\u{2581}", with: "")
                if piece.start == piece.end {
                    // Only a lone "▁" has no source text.
                    if !expected.isEmpty { failures.append("\(record.text.debugDescription.prefix(60)): \(piece) has an empty span") }
                    continue
                }
                sliced += 1
                // A slice can hold more than its piece where one character became several pieces (ﬁ → f, i)
                // or where the comma rule re-split a piece; it must always contain the piece.
                if !surface.contains(expected) {
                    failures.append("\(record.text.debugDescription.prefix(60)): \(piece.piece) ← \(String(slice).debugDescription) normalizes to \(surface.debugDescription)")
                }
            }
        }
        XCTAssertGreaterThan(sliced, 1000)
        XCTAssertTrue(failures.isEmpty, "\(failures.count) of \(pieces) pieces:\n" + failures.prefix(20).joined(separator: "\n"))
    }

    func testUnigramOffsetsSliceBackToTheirPieces() throws { try checkOffsets(model: "unigram") }

    func testBPEOffsetsSliceBackToTheirPieces() throws { try checkOffsets(model: "bpe") }

    func testOffsetsSurviveNFKDWhitespaceAndSpecials() throws {
        let tokenizer = try Fixtures.tokenizer("unigram")
        let text = "  [CLS]안녕\t\t하세요 ＡＢ ㅋㅋ"
        let pieces = tokenizer.tokenize(text)
        let scalars = Array(text.unicodeScalars)
        func slice(_ p: TokenPiece) -> String {
            var view = String.UnicodeScalarView(); view.append(contentsOf: scalars[p.start..<p.end]); return String(view)
        }
        XCTAssertEqual(pieces.first?.piece, "[CLS]")
        XCTAssertEqual(pieces.first.map(slice), "[CLS]")
        // Every piece after [CLS] comes from non-space text, and the pieces cover the words in order.
        XCTAssertEqual(pieces.dropFirst().map(slice).joined(), "안녕하세요ＡＢㅋㅋ")
        XCTAssertTrue(pieces.dropFirst().allSatisfy { !slice($0).contains(" ") && !slice($0).contains("\t") })
    }
}
