import KoBERTProtocol
import XCTest

final class ProtocolTests: XCTestCase {
    func testFrameHeaderIsBigEndian() {
        XCTAssertEqual(Frame.header(length: 0x01020304), [1, 2, 3, 4])
        XCTAssertEqual(Frame.length(header: [0, 0, 1, 0]), 256)
        XCTAssertEqual(Frame.encode(Array("{}".utf8)), [0, 0, 0, 2, 0x7B, 0x7D])
    }

    func testSplitterHandlesPartialAndMultipleFrames() throws {
        var s = FrameSplitter(maximumLength: 100)
        let bytes = Frame.encode([1, 2, 3]) + Frame.encode([]) + Frame.encode([9])
        s.append(bytes.prefix(5))
        XCTAssertNil(try s.next())
        s.append(bytes.dropFirst(5))
        XCTAssertEqual(try s.next(), [1, 2, 3])
        XCTAssertEqual(try s.next(), [])
        XCTAssertEqual(try s.next(), [9])
        XCTAssertNil(try s.next())
        s.append(Frame.header(length: 101))
        XCTAssertThrowsError(try s.next())
    }

    func testIdsRoundTripWithTheirType() {
        let json = JSONValue.parse(Array(#"{"jsonrpc":"2.0","id":7,"method":"x","params":{"a":[1.5,"s",true,null]}}"#.utf8))!
        guard case .success(let r) = RPCRequest.validate(json) else { return XCTFail("valid request rejected") }
        XCTAssertEqual(r.id, .int(7))
        XCTAssertEqual(RPCResponse(id: r.id!, result: "ok").json.jsonString, #"{"id":7,"jsonrpc":"2.0","result":"ok"}"#)
        XCTAssertEqual(r.params?["a"], [1.5, "s", true, nil])
    }

    func testNotificationAndNullIdAreDistinct() {
        let note = RPCRequest.validate(["jsonrpc": "2.0", "method": "health"])
        let nullID = RPCRequest.validate(["jsonrpc": "2.0", "method": "health", "id": nil])
        XCTAssertEqual(try note.get().isNotification, true)
        XCTAssertEqual(try nullID.get().id, .null)
    }

    func testInvalidRequestsNameTheProblem() {
        func failure(_ v: JSONValue) -> RPCRequest.RequestFailure? {
            if case .failure(let f) = RPCRequest.validate(v) { return f }; return nil
        }
        XCTAssertEqual(failure([1, 2])?.error.code, RPCErrorCode.invalidRequest.rawValue)
        XCTAssertEqual(failure(["jsonrpc": "1.0", "id": 3, "method": "x"])?.id, .int(3))
        XCTAssertEqual(failure(["jsonrpc": "2.0", "id": 3, "method": 5])?.error.code, -32600)
        XCTAssertEqual(failure(["jsonrpc": "2.0", "id": ["a"], "method": "x"])?.id, .null)
        XCTAssertEqual(failure(["jsonrpc": "2.0", "id": 1, "method": "x", "params": "s"])?.error.code, -32600)
    }

    func testParamsValidation() throws {
        XCTAssertEqual(try TextsParams.parse(["texts": ["a", "b"]]).texts, ["a", "b"])
        XCTAssertThrowsError(try TextsParams.parse(["texts": "a"])) { XCTAssertEqual(($0 as? RPCError)?.code, -32602) }
        XCTAssertThrowsError(try TextsParams.parse(["texts": ["a", 1]])) { XCTAssertTrue("\($0)".contains("[1]")) }
        XCTAssertThrowsError(try TextsParams.parse(["texts": ["a"], "pooling": "max"]))
        XCTAssertThrowsError(try TextsParams.parse(nil))
        XCTAssertEqual(try TextsParams.parse(["texts": ["a"], "pooling": "mean"]).pooling, .mean)
        XCTAssertThrowsError(try QAParams.parse(["question": "q"]))
        XCTAssertEqual(try QAParams.parse(["question": "q", "context": "c"]), QAParams(question: "q", context: "c"))
    }

    func testErrorCodesAreDistinct() {
        XCTAssertEqual(Set(RPCErrorCode.allCases.map(\.rawValue)).count, RPCErrorCode.allCases.count)
    }
}
