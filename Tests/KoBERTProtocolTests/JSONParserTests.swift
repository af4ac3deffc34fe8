import Foundation
import KoBERTTestSupport
import XCTest
@testable import KoBERTProtocol

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) -> Result<JSONValue, JSONParseError> { JSONParser.parse(Array(text.utf8)) }

    func testDuplicateKeysAreRefusedAtAnyDepth() {
        XCTAssertEqual(parse(#"{"a":1,"a":2}"#), .failure(.duplicateKey("a")))
        XCTAssertEqual(parse(#"{"p":{"texts":["x"],"texts":["y"]}}"#), .failure(.duplicateKey("texts")))
        XCTAssertEqual(parse(#"[{"k":1},{"k":2}]"#).map(\.jsonString), .success(#"[{"k":1},{"k":2}]"#), "equal keys in two objects are fine")
        // Keys equal only after escape decoding are the same key.
        XCTAssertEqual(parse(#"{"id":1,"\u0069d":2}"#), .failure(.duplicateKey("id")))
    }

    func testADuplicatedKeyIsAnInvalidRequestAndGarbageAParseError() {
        let dup = RPCRequest.decode(frameBody: Array(#"{"jsonrpc":"2.0","id":1,"method":"nsmc","method":"ner"}"#.utf8))
        guard case .failure(let f) = dup else { return XCTFail("accepted a request with two methods") }
        XCTAssertEqual(f.error.code, RPCErrorCode.invalidRequest.rawValue)
        let bad = RPCRequest.decode(frameBody: Array(#"{"jsonrpc":"2.0","id":1,"#.utf8))
        guard case .failure(let g) = bad else { return XCTFail("accepted truncated JSON") }
        XCTAssertEqual(g.error.code, RPCErrorCode.parseError.rawValue)
    }

    func testIdsAreEchoedExactlyAsSent() throws {
        for id in ["12345678901234567890", "1.0", "-0", "1e3", "1.5E-7", "-9223372036854775809", "0.10", "7", "-3", "\"7\""] {
            let request = try RPCRequest.decode(frameBody: Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"health"}"#.utf8)).get()
            let answer = String(decoding: RPCResponse(id: request.id!, result: "ok").serialized(), as: UTF8.self)
            XCTAssertEqual(answer, #"{"id":\#(id),"jsonrpc":"2.0","result":"ok"}"#)
        }
        XCTAssertEqual(try parse("9223372036854775807").get(), .int(Int64.max))
        XCTAssertEqual(try parse("-9223372036854775808").get(), .int(Int64.min))
        XCTAssertEqual(try parse("1.0").get().intValue, 1, "a numeral keeps its numeric value")
        XCTAssertEqual(try parse("2.5e1").get().doubleValue, 25)
    }

    func testMalformedTextIsRefused() {
        let cases = ["", " ", "{", "}", "[1,]", "[,1]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "+1", "-", "1e", "1e+",
                     "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\u{1}b\"",
                     "1 2", "[1] x", "NaN", "Infinity", "'a'", "[1;2]", "{\"a\":1,}"]
        for text in cases {
            guard case .failure(.malformed) = parse(text) else { XCTFail("accepted \(text.debugDescription)"); continue }
        }
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0xEF, 0xBB, 0xBF, 0x31]] {
            guard case .failure(.malformed) = JSONParser.parse(bytes) else { XCTFail("accepted bytes \(bytes)"); continue }
        }
    }

    func testNestingIsBounded() {
        let ok = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        XCTAssertNoThrow(try parse(ok).get())
        let deep = String(repeating: "[", count: JSONParser.maxDepth + 1) + String(repeating: "]", count: JSONParser.maxDepth + 1)
        XCTAssertEqual(parse(deep), .failure(.tooDeep))
        let hostile = String(repeating: "{\"a\":", count: 100_000)
        XCTAssertEqual(parse(hostile), .failure(.tooDeep))
    }

    /// Foundation's JSONSerialization, an independent parser, reads the same values from valid documents.
    func testValidDocumentsReadAsFoundationReadsThem() throws {
        let documents = [
            #"{"jsonrpc":"2.0","id":7,"method":"nsmc","params":{"texts":["정말 재미있어요","a\"b\\c\/d\b\f\n\r\t\u0001"]}}"#,
            #"[1,-2,3.5,-0.25,1e10,2E-3,true,false,null,"","\u00e9\u263a\ud83d\ude00",[],{},[[{"x":[{}]}]]]"#,
            " \n\t{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \r\n",
            #""just a string""#, "42", "-0.0", "null",
        ]
        for text in documents {
            let ours = try parse(text).get()
            let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            XCTAssertEqual(ours, JSONValue(foundation: theirs), text)
            // What we write reads back to the same value.
            XCTAssertEqual(try JSONParser.parse(ours.serialized()).get(), ours, text)
        }
    }

    /// Numbers and strings are written as Foundation's JSONEncoder writes them, so answers read as before.
    func testWriterMatchesJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var g = SeededGenerator(seed: 7)
        var doubles: [Double] = [0, -0.0, 1, 5, 0.997, 1e-5, 1e21, 1e16, 123456789.0, 0.1 + 0.2, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        for seed in 0..<2000 {
            var s = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
            s ^= s >> 29
            doubles.append(Double(bitPattern: s & 0x7FEF_FFFF_FFFF_FFFF) * (seed.isMultiple(of: 2) ? 1 : -1))
            doubles.append(Double(Float.random(in: -1...1, using: &g)))
        }
        for d in doubles {
            let theirs = String(decoding: try encoder.encode([d]), as: UTF8.self)
            XCTAssertEqual(JSONValue.array([.double(d)]).jsonString, theirs)
        }
        let text = "a\"\\/\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f}\u{2028}한\u{1F600}"
        let object: [String: String] = ["z": text, "a": "1", "한": "2", "B": "3"]
        XCTAssertEqual(JSONValue.object(object.mapValues { .string($0) }).jsonString,
                       String(decoding: try encoder.encode(object), as: UTF8.self))
    }
}

private extension JSONValue {
    /// The value JSONSerialization produced, in our terms (its NSNumber carries whether it was a boolean).
    init(foundation value: Any) {
        switch value {
        case is NSNull: self = .null
        case let s as String: self = .string(s)
        case let a as [Any]: self = .array(a.map(JSONValue.init(foundation:)))
        case let o as [String: Any]: self = .object(o.mapValues(JSONValue.init(foundation:)))
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { self = .bool(n.boolValue) }
            else if let i = Int64(exactly: n), !String(describing: n).contains(".") && !String(describing: n).contains("e") { self = .int(i) }
            else { self = .double(n.doubleValue) }
        default: self = .string("unexpected \(type(of: value))")
        }
    }
}
