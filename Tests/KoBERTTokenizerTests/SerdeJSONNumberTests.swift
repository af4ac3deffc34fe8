import Foundation
import XCTest
@testable import KoBERTTokenizer

/// Unigram scores are read as serde_json reads them by default (HF tokenizers' loader), not
/// correctly rounded: where the two differ, Viterbi paths that tie for the reference must tie here.
final class SerdeJSONNumberTests: XCTestCase {
    private func serde(_ text: String) -> Double? { SerdeJSONNumber.double(Array(text.utf8)) }

    func testShortLiteralsAreCorrectlyRounded() {
        // Up to 15 significant digits both factors of the one division are exact: a single rounding.
        for text in ["0", "-0.0", "1", "-5", "0.5", "-8.1818683893", "123456789012345", "1e10", "2.5E-3", "-1.5e+2", "0.000001"] {
            XCTAssertEqual(serde(text), Double(text), text)
        }
    }

    func testLongLiteralsAreRoundedTwiceAsSerdeJSONRoundsThem() {
        // 17 digits: the significand 73244654459814855 is above 2^53, so it rounds once to a Double and
        // again when divided by 1e16. Correctly rounded, the literal is one ulp away.
        let text = "-7.3244654459814855"
        XCTAssertEqual(serde(text), -(Double(UInt64(73_244_654_459_814_855)) / 1e16))
        XCTAssertNotEqual(serde(text), Double(text))
        XCTAssertEqual(abs(serde(text)!.bitPattern.distance(to: Double(text)!.bitPattern)), 1)
        // Digits past u64's range are dropped from the fraction and counted in the integer part.
        XCTAssertEqual(serde("0.123456789012345678901234"), Double(UInt64(12_345_678_901_234_567_890)) / 1e20)
        XCTAssertEqual(serde("123456789012345678901"), Double(UInt64(12_345_678_901_234_567_890)) * 10)
    }

    func testEdgesAndNonNumbers() {
        XCTAssertEqual(serde("1e-400"), 0)
        XCTAssertEqual(serde("1e400"), .infinity)     // serde_json refuses it; the loader's isFinite check does too
        for bad in ["", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1x", "--1", "0x10"] {
            XCTAssertNil(serde(bad), bad)
        }
    }

    /// The case that showed it: on the committed XLM-R-style fixture, "좋다ㅋㅋㅋㅋㅋ" splits into
    /// ▁좋다 ㅋ ㅋㅋㅋㅋ in HF tokenizers 0.23.3 (the two orders tie with serde_json's scores, the
    /// earlier start wins); correctly rounded scores made ▁좋다 ㅋㅋㅋㅋ ㅋ win by one ulp.
    func testTiedViterbiPathsBreakAsTheReference() throws {
        let tokenizer = try HFTokenizer(directory: TokenizerJSONTests.folder.appendingPathComponent("unigram").path)
        XCTAssertEqual(tokenizer.encode("좋다ㅋㅋㅋㅋㅋ", maxLength: 64).pieces, ["<s>", "▁좋다", "ㅋ", "ㅋㅋㅋㅋ", "</s>"])
    }
}
