#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KoBERTClient
import KoBERTProtocol
import KoBERTServer
import XCTest

final class LifecycleTests: XCTestCase {
    /// Graceful shutdown under load: every request read before the drain gets its real result,
    /// then connections close and the listener is gone.
    func testShutdownUnderLoadAnswersEveryAcceptedRequest() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir, delayMs: 30) { $0.engine = .init(threads: 1, maxBatch: 2, maxWaitNanoseconds: 0) }
        let connections = (0..<4).map { _ in try! RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20) }
        for (c, conn) in connections.enumerated() {
            for r in 0..<10 { conn.send(json: request(c * 100 + r, "nsmc", ["texts": [.string("text \(c) \(r)")]])) }
        }
        // Wait until the server has read all 40 requests (most still queued), then drain.
        for _ in 0..<1000 where server.stats.snapshot(queueDepth: 0)["accepted_total"]?.intValue != 40 {
            try await Task.sleep(nanoseconds: 2_000_000)
        }
        // 40 × 30 ms on one thread in batches of 2 is ~0.6 s of work: most of it is still queued now.
        let shutdown = Task { await server.shutdown() }
        for (c, conn) in connections.enumerated() {
            var ids = Set<Int64>()
            for _ in 0..<10 {
                guard let r = conn.response() else { break }
                XCTAssertNotNil(r.result, "request \(r.id.jsonString) got \(r.outcome)")
                ids.insert(r.id.intValue ?? -1)
            }
            XCTAssertEqual(ids, Set((0..<10).map { Int64(c * 100 + $0) }))
            XCTAssertEqual(conn.read(), .closed)
        }
        await shutdown.value
        XCTAssertThrowsError(try RawConnection(path: dir.file("k.sock")), "listener closed and socket file removed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("k.sock")))
    }

    /// A reload with a corrupt file keeps the old model serving; a good file swaps in.
    func testReloadWithCorruptFileKeepsOldModel() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir)
        let client = try KoBERTClient(socketPath: dir.file("k.sock"))
        _ = dir.write("nsmc.json", "{ this is not a model")
        let outcomes = server.reloadModels()
        XCTAssertNotNil(outcomes.first { $0.spec.task == "nsmc" }?.error)
        let info = try await client.info()
        XCTAssertEqual(info["models"]?["nsmc"]?["manifest"]?["version"], "v1")
        XCTAssertEqual(info["models"]?["nsmc"]?["generation"], 1)
        let stillServing = try await client.nsmc(["여전히 동작"])
        XCTAssertEqual(stillServing.count, 1)

        try FileManager.default.removeItem(atPath: dir.file("nsmc.json"))
        XCTAssertNotNil(server.reloadModels().first { $0.spec.task == "nsmc" }?.error, "missing file is an error too")
        let stillServing2 = try await client.nsmc(["여전히"])
        XCTAssertEqual(stillServing2.count, 1)

        _ = dir.write("nsmc.json", #"{"task": "nsmc", "version": "v2"}"#)
        XCTAssertNil(server.reloadModels().first { $0.spec.task == "nsmc" }?.error)
        let after = try await client.info()
        XCTAssertEqual(after["models"]?["nsmc"]?["manifest"]?["version"], "v2")
        client.close()
        await server.shutdown()
    }

    func testSocketFileIsCreatedWithModeAndStaleSocketIsReplaced() async throws {
        let dir = TempDirectory()
        // A stale socket: bound, then the process "crashed" without unlinking.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un(); addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in dir.file("k.sock").utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(stale)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("k.sock")))

        let server = try await startServer(dir)
        var st = stat()
        XCTAssertEqual(lstat(dir.file("k.sock"), &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o660)
        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(json: request(1, "health"))
        XCTAssertEqual(c.response()?.id, .int(1))

        // A live socket is never taken over.
        do {
            _ = try await startServer(dir)
            XCTFail("a second server took over a live socket")
        } catch {
            XCTAssertTrue("\(error)".contains("already listening"), "\(error)")
        }
        c.send(json: request(2, "health"))
        XCTAssertEqual(c.response()?.id, .int(2))
        await server.shutdown()
    }

    func testRegularFileAtSocketPathIsNotDeleted() async throws {
        let dir = TempDirectory()
        _ = dir.write("k.sock", "precious")
        do { _ = try await startServer(dir); XCTFail("replaced a regular file") }
        catch { XCTAssertTrue("\(error)".contains("not a socket"), "\(error)") }
        XCTAssertEqual(try String(contentsOfFile: dir.file("k.sock"), encoding: .utf8), "precious")
    }

    func testPeerAllowList() async throws {
        let dir = TempDirectory()
        let refused = try await startServer(dir) { $0.allowUIDs = [getuid() &+ 4242]; $0.allowGIDs = [getgid() &+ 4242] }
        let c = try RawConnection(path: dir.file("k.sock"))
        XCTAssertEqual(c.response()?.errorCode, RPCErrorCode.forbidden.rawValue)
        XCTAssertEqual(c.read(), .closed)
        await refused.shutdown()

        let dir2 = TempDirectory()
        let allowed = try await startServer(dir2) { $0.allowUIDs = [getuid()] }
        let d = try RawConnection(path: dir2.file("k.sock"))
        d.send(json: request(1, "health"))
        XCTAssertEqual(d.response()?.id, .int(1))
        await allowed.shutdown()
    }
}

extension LifecycleTests {
    /// The watchdog's health check: healthy when idle, unhealthy while one batch has run longer
    /// than the progress window, healthy again once it finishes.
    func testHealthCheckFollowsEngineProgress() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir, delayMs: 900) { $0.engine = .init(threads: 1, maxBatch: 1, maxWaitNanoseconds: 0) }
        let idle = await server.isHealthy(withinSeconds: 0.5, progressWindowSeconds: 0.2)
        XCTAssertTrue(idle)
        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(json: request(1, "nsmc", ["texts": ["오래 걸림"]]))
        try await Task.sleep(nanoseconds: 450_000_000)
        let stuck = await server.isHealthy(withinSeconds: 0.5, progressWindowSeconds: 0.2)
        XCTAssertFalse(stuck, "a batch running for 0.45 s with a 0.2 s window is no progress")
        XCTAssertEqual(c.response()?.id, .int(1))
        let recovered = await server.isHealthy(withinSeconds: 0.5, progressWindowSeconds: 0.2)
        XCTAssertTrue(recovered)
        await server.shutdown()
    }
}
