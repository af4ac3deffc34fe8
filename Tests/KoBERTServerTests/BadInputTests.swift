#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KoBERTClient
import KoBERTProtocol
import KoBERTServer
import XCTest

/// Every kind of bad client input: answered or closed as PROTOCOL.md says, the daemon stays up,
/// and a well-behaved client on another connection is unaffected.
final class BadInputTests: XCTestCase {
    var dir: TempDirectory!
    var server: KoBERTServer!

    override func setUp() async throws {
        dir = TempDirectory()
        server = try await startServer(dir) { $0.readTimeoutSeconds = 0.5; $0.maxFrameBytes = 1 << 20 }
    }

    override func tearDown() async throws {
        await server.shutdown()
    }

    /// A bystander connection answers correctly after each abuse.
    func assertBystanderServed(file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(json: request(1, "nsmc", ["texts": ["좋아요"]]))
        let r = c.response(file: file, line: line)
        XCTAssertEqual(r?.id, .int(1), file: file, line: line)
        XCTAssertNotNil(r?.result?["predictions"], file: file, line: line)
    }

    func testInvalidJSONGetsParseErrorAndConnectionStaysOpen() throws {
        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(text: "{not json")
        let r = c.response()
        XCTAssertEqual(r?.id, .null)
        XCTAssertEqual(r?.errorCode, RPCErrorCode.parseError.rawValue)
        c.send(json: request(2, "health"))
        XCTAssertEqual(c.response()?.result?["status"], "ok")
        try assertBystanderServed()
    }

    func testGarbageBytesAreAnsweredOrClosedNeverHang() throws {
        let c = try RawConnection(path: dir.file("k.sock"))
        // Four bytes of garbage read as a length over the limit: error, then close.
        c.send(Array("GARBAGE GARBAGE GARBAGE".utf8))
        let r = c.response()
        XCTAssertEqual(r?.id, .null)
        XCTAssertEqual(r?.errorCode, RPCErrorCode.inputTooLarge.rawValue)
        XCTAssertEqual(c.read(), .closed)
        // Non-UTF-8 bytes inside a proper frame: parse error, connection kept.
        let d = try RawConnection(path: dir.file("k.sock"))
        d.send(Frame.encode([0xFF, 0xFE, 0x00, 0x80]))
        XCTAssertEqual(d.response()?.errorCode, RPCErrorCode.parseError.rawValue)
        try assertBystanderServed()
    }

    func testOversizedLengthIsRefusedWithoutReadingTheBody() throws {
        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(Frame.header(length: 0x7FFF_FFFF))   // 2 GiB announced, nothing sent
        let r = c.response()
        XCTAssertEqual(r?.errorCode, RPCErrorCode.inputTooLarge.rawValue)
        XCTAssertEqual(r?.id, .null)
        XCTAssertEqual(c.read(), .closed)
        try assertBystanderServed()
    }

    func testZeroLengthFrameIsAnInvalidRequest() throws {
        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(Frame.header(length: 0))
        XCTAssertEqual(c.response()?.errorCode, RPCErrorCode.invalidRequest.rawValue)
        c.send(json: request(3, "health"))
        XCTAssertEqual(c.response()?.id, .int(3))
    }

    func testTruncatedFrameThenDisconnectLeavesServerUp() throws {
        do {
            let c = try RawConnection(path: dir.file("k.sock"))
            c.send(Frame.header(length: 100) + Array("{\"jsonrpc\":".utf8))
        }   // closed here with 90 bytes missing
        try assertBystanderServed()
    }

    func testHalfFrameThenStallIsDroppedByTheReadTimeout() throws {
        let c = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 5)
        c.send(Frame.header(length: 100) + Array("{\"jsonrpc\":".utf8))
        let started = Date()
        XCTAssertEqual(c.read(), .closed)
        XCTAssertLessThan(Date().timeIntervalSince(started), 4, "dropped by the 0.5 s read timeout, not the test's")
        try assertBystanderServed()
    }

    func testUnknownMethodWrongParamsAndInvalidRequest() throws {
        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(json: request(1, "translate", ["texts": ["x"]]))
        XCTAssertEqual(c.response()?.errorCode, RPCErrorCode.methodNotFound.rawValue)
        c.send(json: request(2, "nsmc", ["texts": "not an array"]))
        XCTAssertEqual(c.response()?.errorCode, RPCErrorCode.invalidParams.rawValue)
        c.send(json: request(3, "nsmc", ["texts": [1, 2]]))
        XCTAssertEqual(c.response()?.errorCode, RPCErrorCode.invalidParams.rawValue)
        c.send(json: request(4, "qa", ["question": 5, "context": "c"]))
        XCTAssertEqual(c.response()?.errorCode, RPCErrorCode.invalidParams.rawValue)
        c.send(json: ["jsonrpc": "2.0", "id": "s", "method": 12])
        let invalid = c.response()
        XCTAssertEqual(invalid?.errorCode, RPCErrorCode.invalidRequest.rawValue)
        XCTAssertEqual(invalid?.id, "s")
        c.send(json: [["jsonrpc": "2.0", "id": 1, "method": "health"]])   // batch array: not supported
        XCTAssertEqual(c.response()?.errorCode, RPCErrorCode.invalidRequest.rawValue)
        c.send(json: request(5, "nsmc", ["texts": .array((0..<65).map { _ in "x" })]))   // over max texts (64)
        XCTAssertEqual(c.response()?.errorCode, RPCErrorCode.inputTooLarge.rawValue)
        c.send(json: request(6, "health"))
        XCTAssertEqual(c.response()?.id, .int(6))
    }

    func testOneMegabyteTextIsTruncatedNotRefused() throws {
        let c = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20)
        let text = String(repeating: "가", count: 340_000)   // 1,020,000 UTF-8 bytes: just under the 1 MiB frame limit
        c.send(json: request(9, "nsmc", ["texts": .array([.string(text)])]))
        let r = c.response()
        XCTAssertEqual(r?.id, .int(9))
        XCTAssertEqual(r?.result?["predictions"]?.arrayValue?.first?["truncated"], true)
        try assertBystanderServed()
    }

    func testNotificationsGetNoResponse() throws {
        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(json: ["jsonrpc": "2.0", "method": "nsmc", "params": ["texts": ["a"]]])
        c.send(json: ["jsonrpc": "2.0", "method": "no-such-method"])
        c.send(json: request(7, "health"))
        XCTAssertEqual(c.response()?.id, .int(7), "the first frame back answers the only request with an id")
    }
}

extension BadInputTests {
    /// A client that sends its requests and then shuts down writing still gets every answer.
    func testHalfClosedClientStillGetsAnswers() throws {
        let c = try RawConnection(path: dir.file("k.sock"))
        for i in 0..<5 { c.send(json: request(i, "nsmc", ["texts": ["반쯤 닫힘"]])) }
        shutdown(c.fd, Int32(SHUT_WR))
        var ids = Set<Int64>()
        for _ in 0..<5 { if let id = c.response()?.id.intValue { ids.insert(id) } }
        XCTAssertEqual(ids, Set(0..<5))
        XCTAssertEqual(c.read(), .closed)
    }

    /// Random method names are counted under one stats key, not one key each.
    func testUnknownMethodsShareOneStatsKey() throws {
        let c = try RawConnection(path: dir.file("k.sock"))
        for i in 0..<20 { c.send(json: request(i, "junk-\(i)")) }
        for _ in 0..<20 { _ = c.response() }
        c.send(json: request(99, "stats"))
        let requests = c.response()?.result?["requests"]?.objectValue ?? [:]
        XCTAssertEqual(requests["(unknown)"], 20)
        XCTAssertFalse(requests.keys.contains { $0.hasPrefix("junk") })
    }
}

extension BadInputTests {
    /// A client that writes thousands of requests before reading any answer: reading pauses while
    /// answers pile up, resumes as they drain, and every request is answered exactly once.
    func testWriterThatReadsLateGetsEveryAnswer() throws {
        let c = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20)
        let count = 3000
        let writer = Thread { for i in 0..<count { c.send(json: request(i, "health")) } }
        writer.start()
        usleep(300_000)
        var ids = Set<Int64>()
        for _ in 0..<count {
            guard let id = c.response()?.id.intValue else { break }
            ids.insert(id)
        }
        XCTAssertEqual(ids.count, count)
    }
}
