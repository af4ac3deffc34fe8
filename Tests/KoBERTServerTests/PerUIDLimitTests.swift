import Foundation
import KoBERTProtocol
@testable import KoBERTServer
import XCTest

/// One uid cannot take every connection slot (issue 11, item 5). Every test connection has the
/// test process's uid, so a cap below max-connections shows at the cap.
final class PerUIDLimitTests: XCTestCase {
    func testDefaultIsHalfTheSlots() {
        var config = ServerConfiguration(socketPath: "x")
        XCTAssertEqual(config.maxConnectionsPerUID, 128)
        config.maxConnections = 1
        XCTAssertEqual(config.maxConnectionsPerUID, 1)
        config.maxConnectionsPerUIDSetting = 5
        XCTAssertEqual(config.maxConnectionsPerUID, 5)
    }

    func testCountsPerUID() {
        let limit = UIDConnectionLimit(limit: 2)
        XCTAssertTrue(limit.tryOpen(uid: 1000)); XCTAssertTrue(limit.tryOpen(uid: 1000))
        XCTAssertFalse(limit.tryOpen(uid: 1000))
        XCTAssertTrue(limit.tryOpen(uid: 1001))
        XCTAssertTrue(limit.tryOpen(uid: nil)); XCTAssertTrue(limit.tryOpen(uid: nil)); XCTAssertFalse(limit.tryOpen(uid: nil))
        limit.release(uid: 1000)
        XCTAssertEqual(limit.openConnections(uid: 1000), 1)
        XCTAssertTrue(limit.tryOpen(uid: 1000))
    }

    /// The third connection of one uid gets -32002 and is closed while the server has free
    /// slots; once one closes, the uid may connect again.
    func testThirdConnectionOfOneUIDIsRefused() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir) { $0.maxConnections = 10; $0.maxConnectionsPerUIDSetting = 2 }
        var a: RawConnection? = try RawConnection(path: dir.file("k.sock"))
        let b = try RawConnection(path: dir.file("k.sock"))
        a!.send(json: request(1, "health")); b.send(json: request(1, "health"))
        XCTAssertNil(a!.response()?.errorCode); XCTAssertNil(b.response()?.errorCode)

        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(json: request(1, "health"))
        let refusal = try XCTUnwrap(c.response())
        XCTAssertEqual(refusal.errorCode, RPCErrorCode.overloaded.rawValue)
        if case .failure(let e) = refusal.outcome { XCTAssertTrue(e.message.contains("max-connections-per-uid"), e.message) }
        XCTAssertEqual(c.read(), .closed, "the refused connection must not be served")

        a = nil   // closes it; the server releases the slot when it sees the close
        var served = false
        for _ in 0..<100 where !served {
            let d = try RawConnection(path: dir.file("k.sock"))
            d.send(json: request(2, "health"))
            served = d.response()?.errorCode == nil
            if !served { usleep(20_000) }
        }
        XCTAssertTrue(served, "the uid's slot was not released")
        XCTAssertGreaterThanOrEqual(server.stats.snapshot(queueDepth: 0)["connections"]?["rejected"]?.intValue ?? 0, 1)
        await server.shutdown()
    }
}
