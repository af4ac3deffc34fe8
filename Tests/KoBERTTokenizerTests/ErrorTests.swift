import Foundation
import KoBERTTestSupport
import XCTest
@testable import KoBERTTokenizer

/// Bad files and bad input: a clear one-line error or a bounded, correct result; never a crash.
final class ErrorTests: XCTestCase {
    private var modelBytes: [UInt8] {
        get throws { [UInt8](try Data(contentsOf: Fixtures.unigramModelFolder.appendingPathComponent(KoBertTokenizer.modelFileName))) }
    }
    private var vocabText: String {
        get throws { try String(contentsOf: Fixtures.unigramModelFolder.appendingPathComponent(KoBertTokenizer.vocabFileName), encoding: .utf8) }
    }

    private func assertError(_ body: () throws -> Void, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(fragment), "message: \(message)", file: file, line: line)
            XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
        }
    }

    func testMissingFolderNamesTheFile() {
        assertError({ _ = try KoBertTokenizer(directory: "/nonexistent/tokenizer") }, contains: "/nonexistent/tokenizer/tokenizer_78b3253a26.model")
    }

    func testTruncatedModelIsAnError() throws {
        let bytes = try modelBytes
        for cut in [1, 7, 100, bytes.count / 2, bytes.count - 1] {
            assertError({ _ = try KoBertTokenizer(sentencePieceModel: Array(bytes[0..<cut]), vocabText: try vocabText) },
                        contains: "tokenizer_78b3253a26.model")
        }
    }

    func testGarbageModelIsAnError() throws {
        var generator = SeededGenerator(seed: 20261202)
        for _ in 0..<20 {
            let garbage = (0..<2000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            assertError({ _ = try KoBertTokenizer(sentencePieceModel: garbage, vocabText: try vocabText) }, contains: "not a SentencePiece model")
        }
        assertError({ _ = try KoBertTokenizer(sentencePieceModel: [], vocabText: try vocabText) }, contains: "no pieces")
        assertError({ _ = try KoBertTokenizer(sentencePieceModel: Array("hello world".utf8), vocabText: try vocabText) }, contains: "tokenizer_78b3253a26.model")
    }

    func testCorruptCharsMapIsAnErrorOrHarmless() throws {
        // Flip bytes inside the model (pieces, charsmap): loading either fails cleanly or tokenizes in bounded time.
        let bytes = try modelBytes
        for position in stride(from: 50, to: bytes.count, by: bytes.count / 8) {
            var corrupt = bytes
            corrupt[position] ^= 0xFF
            if let tokenizer = try? KoBertTokenizer(sentencePieceModel: corrupt, vocabText: try vocabText) {
                let pieces = tokenizer.tokenize("한국어 모델을 공유합니다. 1,000원 ＡＢＣ ㅋㅋ")
                XCTAssertFalse(pieces.isEmpty)
            }
        }
    }

    func testVocabWithoutUnknownIsAnError() throws {
        let vocab = try vocabText.split(separator: "\n", omittingEmptySubsequences: false).filter { $0 != "[UNK]" }.joined(separator: "\n")
        assertError({ _ = try KoBertTokenizer(sentencePieceModel: try modelBytes, vocabText: vocab) }, contains: "vocab.txt has no [UNK]")
    }

    func testMegabyteInputIsTokenizedCorrectlyAndQuickly() throws {
        let tokenizer = try Fixtures.tokenizer("unigram")
        let word = "정말재미있는영화였어요"
        let text = String(repeating: word + " ", count: 30_000)   // ≈ 1 MB of UTF-8
        let started = Date()
        let pieces = tokenizer.tokenize(text)
        let elapsed = Date().timeIntervalSince(started)
        let single = tokenizer.tokenize(word)
        XCTAssertEqual(pieces.count, single.count * 30_000)
        XCTAssertEqual(pieces.suffix(single.count).map(\.piece), single.map(\.piece))
        XCTAssertEqual(pieces.last?.end, text.unicodeScalars.count - 1)
        XCTAssertLessThan(elapsed, 60, "linear time expected")
        // One word of a megabyte: the Viterbi is linear in length × longest piece.
        let long = String(repeating: "가", count: 300_000)
        XCTAssertFalse(tokenizer.tokenize(long).isEmpty)
    }

    func testInvalidUTF8IsFound() {
        XCTAssertNil(firstInvalidUTF8Offset(Array("안녕 hello".utf8)))
        XCTAssertEqual(firstInvalidUTF8Offset([0x41, 0xFF, 0x42]), 1)
        XCTAssertEqual(firstInvalidUTF8Offset([0xEC, 0x95]), 0)                 // truncated sequence
        XCTAssertEqual(firstInvalidUTF8Offset([0x41, 0xED, 0xA0, 0x80]), 1)     // a surrogate
        XCTAssertEqual(firstInvalidUTF8Offset([0xC0, 0x80]), 0)                 // overlong
    }
}
