import Foundation
import KoBERTProtocol
import KoBERTServer
import XCTest

/// read-timeout counts from the last byte received, as PROTOCOL.md says (issue 11, item 6).
/// Only lower bounds on time are asserted (a timer never fires early); gaps between bytes are
/// a third of the timeout.
final class ReadTimeoutTests: XCTestCase {
    /// A frame sent a few bytes at a time over 3.6 s with a 1 s read timeout is answered.
    func testSlowSenderKeepsTheConnection() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir) { $0.readTimeoutSeconds = 1 }
        let c = try RawConnection(path: dir.file("k.sock"))
        let frame = Frame.encode(request(5, "health").serialized())
        let chunks = stride(from: 0, to: frame.count, by: max(1, frame.count / 12)).map {
            Array(frame[$0..<min(frame.count, $0 + max(1, frame.count / 12))])
        }
        XCTAssertGreaterThanOrEqual(chunks.count, 12)
        let started = Date()
        for chunk in chunks { c.send(chunk); usleep(300_000) }
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 3)
        let answer = try XCTUnwrap(c.response())
        XCTAssertEqual(answer.id.intValue, 5)
        XCTAssertNil(answer.errorCode)
        await server.shutdown()
    }

    /// Idle most of a timeout, then half a frame: the connection is closed one full timeout
    /// after that last byte, not at the timeout counted from when it opened.
    func testHalfFrameIsDroppedATimeoutAfterItsLastByte() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir) { $0.readTimeoutSeconds = 1 }
        let c = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 8)
        usleep(800_000)
        let frame = Frame.encode(request(1, "health").serialized())
        c.send(Array(frame.prefix(frame.count / 2)))
        let sent = Date()
        XCTAssertEqual(c.read(), .closed)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(sent), 0.95)
        await server.shutdown()
    }
}
