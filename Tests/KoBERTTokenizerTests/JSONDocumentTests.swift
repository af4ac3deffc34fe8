import Foundation
import XCTest
@testable import KoBERTTokenizer

/// JSONDocument, the strict reader under HFTokenizer: the same values as Foundation's
/// JSONSerialization on the committed tokenizer.json fixtures and on every escape form, and a
/// one-line error (never a trap) on truncated, badly escaped, non-UTF-8 or too deeply nested text.
final class JSONDocumentTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONDocument { try JSONDocument(bytes: Array(text.utf8)) }

    /// The error for `bytes`, or "parsed".
    private func error(_ bytes: [UInt8]) -> String {
        do {
            _ = try JSONDocument(bytes: bytes)
            return "parsed"
        } catch {
            return "\(error)"
        }
    }

    private func error(_ text: String) -> String { error(Array(text.utf8)) }

    /// Walks our tree and JSONSerialization's side by side; strings must be equal scalar for scalar,
    /// numbers close: on Linux JSONSerialization goes through Decimal and misses the nearest double by
    /// a few ulps on most Unigram scores (-8.521881484072155 read as -8.521881484072152), which is why
    /// HFTokenizer reads the literals itself.
    private func assertSame(_ ours: JSONValue, _ theirs: Any, _ path: String, file: StaticString = #filePath, line: UInt = #line) {
        switch theirs {
        case let text as String:
            XCTAssertEqual(ours.string.map { Array($0.unicodeScalars) }, Array(text.unicodeScalars), path, file: file, line: line)
        case let list as [Any]:
            guard let elements = ours.array else { return XCTFail("\(path): not an array", file: file, line: line) }
            XCTAssertEqual(elements.count, list.count, path, file: file, line: line)
            for (k, (a, b)) in zip(elements, list).enumerated() { assertSame(a, b, "\(path)[\(k)]", file: file, line: line) }
        case let object as [String: Any]:
            guard let members = ours.members else { return XCTFail("\(path): not an object", file: file, line: line) }
            // By name, the last of a repeated name winning (a lookup per key would be quadratic on a vocab).
            let byName = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            XCTAssertEqual(Set(byName.keys), Set(object.keys), path, file: file, line: line)
            for (key, value) in object {
                guard let mine = byName[key] else { XCTFail("\(path).\(key) missing", file: file, line: line); continue }
                assertSame(mine, value, "\(path).\(key)", file: file, line: line)
            }
        case is NSNull:
            XCTAssertTrue(ours.isNull, path, file: file, line: line)
        case let number as NSNumber:
            if let flag = ours.bool {
                XCTAssertEqual(flag, number.boolValue, path, file: file, line: line)
            } else if let value = ours.double {
                let other = number.doubleValue
                XCTAssertEqual(value, other, accuracy: 1e-13 * max(1, abs(other)), path, file: file, line: line)
            } else {
                XCTFail("\(path): not a number", file: file, line: line)
            }
        default:
            XCTFail("\(path): unexpected \(type(of: theirs))", file: file, line: line)
        }
    }

    func testFixturesReadAsJSONSerializationReadsThem() throws {
        let folder = TokenizerJSONTests.folder
        var checked = 0
        for name in ["unigram", "unigram-precompiled", "wordpiece", "wordpiece-cased", "wordpiece-uncased"] {
            let data = try Data(contentsOf: folder.appendingPathComponent("\(name)/tokenizer.json"))
            let document = try JSONDocument(bytes: [UInt8](data))
            assertSame(document.root, try JSONSerialization.jsonObject(with: data), name)
            checked += document.nodes.count
        }
        XCTAssertGreaterThan(checked, 10_000)
    }

    func testEscapesDecodeAsJSONSerializationDecodesThem() throws {
        let text = #"["plain", "q\"b\\s\/", "\b\f\n\r\t", "\u0000\u001F\u007f", "\u00e9\u00C9 \uAC00\ud55c", "\uD83D\uDE00 \ud83c\uddf0\uD83C\uDDF7", "mixed é\u0301 한\u200d", ""]"#
        let document = try parse(text)
        assertSame(document.root, try JSONSerialization.jsonObject(with: Data(text.utf8)), "escapes")
        XCTAssertEqual(document.root[5]?.string, "😀 🇰🇷")
        XCTAssertEqual(document.root[3]?.string?.unicodeScalars.map(\.value), [0, 0x1F, 0x7F])
    }

    func testNumbersKeepTheirLiteralAndRoundCorrectly() throws {
        let document = try parse(#"[-12.345678901234567, 1e-7, 0, -0.0, 2.5E+3, 123456789012345678901234567890]"#)
        let numbers = try XCTUnwrap(document.root.array)
        XCTAssertEqual(numbers.map { $0.numberText }, ["-12.345678901234567", "1e-7", "0", "-0.0", "2.5E+3", "123456789012345678901234567890"])
        for number in numbers { XCTAssertEqual(number.double, Double(number.numberText!)) }
        XCTAssertEqual(try parse("[1e400]").root[0]?.double, .infinity)   // HFTokenizer refuses non-finite scores
    }

    func testObjectLookupTakesTheLastRepeatedMember() throws {
        let document = try parse(#"{"a": 1, "b": {"a": 9}, "a": 2, "c\u0041": 3}"#)
        XCTAssertEqual(document.root["a"]?.numberText, "2")
        XCTAssertEqual(document.root["cA"]?.numberText, "3")   // escaped names match their decoded text
        XCTAssertNil(document.root["z"])
        XCTAssertNil(document.root["b"]?["z"])
        XCTAssertEqual(document.root.members?.map(\.key), ["a", "b", "a", "cA"])
        XCTAssertNil(document.root[0])   // not an array
    }

    func testMalformedTextIsAOneLineError() {
        let cases: [(String, String)] = [
            ("", "invalid JSON at byte 0: unexpected end of text, expected a value"),
            ("   ", "invalid JSON at byte 3: unexpected end of text, expected a value"),
            (#"{"a": 1"#, "invalid JSON at byte 0: unterminated object"),
            (#"{"a": 1,}"#, "invalid JSON at byte 8: unexpected '}', expected a member name"),
            ("[1,]", "invalid JSON at byte 3: unexpected ']', expected a value"),
            ("[1 2]", "invalid JSON at byte 3: unexpected '2', expected ',' or ']'"),
            (#"{"a" 1}"#, "invalid JSON at byte 5: unexpected '1', expected ':'"),
            ("{a: 1}", "invalid JSON at byte 1: unexpected 'a', expected a member name"),
            ("{} x", "invalid JSON at byte 3: unexpected 'x' after the value"),
            (#""abc"#, "invalid JSON at byte 0: unterminated string"),
            ("tru", "invalid JSON at byte 0: unexpected 't', expected a value"),
            ("nul", "invalid JSON at byte 0: unexpected 'n', expected a value"),
            ("01", "invalid JSON at byte 1: unexpected '1' after the value"),
            ("1.", "invalid JSON at byte 2: a number needs a digit after '.', found end of text"),
            (".5", "invalid JSON at byte 0: unexpected '.', expected a value"),
            ("-", "invalid JSON at byte 1: a number needs a digit, found end of text"),
            ("1e+", "invalid JSON at byte 3: a number needs a digit in its exponent, found end of text"),
            ("+1", "invalid JSON at byte 0: unexpected '+', expected a value"),
            ("[NaN]", "invalid JSON at byte 1: unexpected 'N', expected a value"),
            ("\u{FEFF}{}", "invalid JSON at byte 0: unexpected byte 0xEF, expected a value"),
            ("[\"a\tb\"]", "invalid JSON at byte 3: control character 0x9 in a string"),
        ]
        for (text, expected) in cases { XCTAssertEqual(error(text), expected, text.debugDescription) }
    }

    func testBadEscapesAreErrors() {
        let cases: [(String, String)] = [
            (#"["\x"]"#, #"invalid JSON at byte 2: invalid escape \'x'"#),
            (#"["\'"]"#, #"invalid JSON at byte 2: invalid escape \'''"#),
            (#"["\"#, "invalid JSON at byte 2: unterminated escape"),
            (#"["\u12"]"#, #"invalid JSON at byte 2: \u escape needs four hex digits"#),
            (#"["\u12G4"]"#, #"invalid JSON at byte 2: \u escape needs four hex digits"#),
            (#"["\uD83D"]"#, #"invalid JSON at byte 2: \u escape of a high surrogate without its low half"#),
            (#"["\uD83Dx"]"#, #"invalid JSON at byte 2: \u escape of a high surrogate without its low half"#),
            (#"["\uD83D\u0041"]"#, #"invalid JSON at byte 8: \u escape after a high surrogate is not a low surrogate"#),
            (#"["\uD83D\uD83D"]"#, #"invalid JSON at byte 8: \u escape after a high surrogate is not a low surrogate"#),
            (#"["\uDE00"]"#, #"invalid JSON at byte 2: \u escape of a lone low surrogate"#),
            (#"["\uDE00\uD83D"]"#, #"invalid JSON at byte 2: \u escape of a lone low surrogate"#),
            (#"["\uD83D\uDE0"]"#, #"invalid JSON at byte 8: \u escape needs four hex digits"#),
        ]
        for (text, expected) in cases { XCTAssertEqual(error(text), expected, text) }
    }

    func testInvalidUTF8IsAnError() {
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xE1, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80]] {
            XCTAssertEqual(error([0x22] + bad + [0x22]), "invalid JSON at byte 1: invalid UTF-8 in a string", "\(bad)")
        }
        XCTAssertEqual(error([0x5B, 0xE2, 0x80, 0x8B, 0x5D]), "invalid JSON at byte 1: unexpected byte 0xE2, expected a value")
    }

    func testNestingDeeperThanTheLimitIsAnError() throws {
        let limit = JSONDocument.maximumDepth
        XCTAssertEqual(limit, 128)
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        XCTAssertEqual(try parse(deepest).nodes.count, limit)
        XCTAssertEqual(error("[" + deepest + "]"), "invalid JSON at byte 128: nested deeper than 128 levels")
        // Far past the limit: an error, not a stack overflow.
        XCTAssertEqual(error(String(repeating: #"{"a":["#, count: 100_000)), "invalid JSON at byte 384: nested deeper than 128 levels")
    }

    func testEveryTruncationOfATokenizerJSONIsAnError() throws {
        let text = #"{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["\u2581a\"", -1.25e-1], ["b", -2]]}, "normalizer": null, "x": [true, false, {}]}"#
        let bytes = Array(text.utf8)
        XCTAssertEqual(error(bytes), "parsed")
        for cut in 0..<bytes.count {
            let message = error(Array(bytes[..<cut]))
            XCTAssertTrue(message.hasPrefix("invalid JSON at byte "), "\(cut): \(message)")
        }
        // Through HFTokenizer: one line naming the source.
        let fixture = try [UInt8](Data(contentsOf: TokenizerJSONTests.folder.appendingPathComponent("unigram/tokenizer.json")))
        for cut in [1, fixture.count / 3, fixture.count / 2, fixture.count - 1] {
            do {
                _ = try HFTokenizer(data: Data(fixture[..<cut]), source: "t.json")
                XCTFail("loaded a file cut at \(cut)")
            } catch {
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("t.json: invalid JSON at byte "), message)
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
    }
}
