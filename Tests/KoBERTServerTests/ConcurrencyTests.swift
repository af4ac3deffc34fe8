import Foundation
import KoBERTClient
import KoBERTProtocol
import KoBERTServer
import XCTest

final class ConcurrencyTests: XCTestCase {
    /// 64 connections, each pipelining 16 requests: every response arrives once, with its id and
    /// the same prediction the backend gives when called directly.
    func testSixtyFourPipeliningConnections() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir)
        let reference = TestBackend(task: "nsmc", version: "v1", labels: ["negative", "positive"])
        let connections = 64, perConnection = 16
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<connections {
                group.addTask {
                    let raw = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20)
                    var expected: [Int64: JSONValue] = [:]
                    for r in 0..<perConnection {
                        let id = c * 1000 + r
                        let text = "리뷰 \(c) \(r) 재미있다"
                        // Compared after the same JSON round trip the wire applies (1.0 is read back as 1).
                        expected[Int64(id)] = JSONValue.parse(try reference.predict([.text(text, pooling: .cls)])[0].get().serialized())
                        raw.send(json: request(id, "nsmc", ["texts": .array([.string(text)])]))
                    }
                    var seen = Set<Int64>()
                    for _ in 0..<perConnection {
                        guard let response = raw.response(), let id = response.id.intValue else { return }
                        XCTAssertTrue(seen.insert(id).inserted, "id \(id) answered twice")
                        XCTAssertEqual(response.result?["predictions"]?.arrayValue?.first, expected[id])
                    }
                    XCTAssertEqual(seen, Set(expected.keys))
                }
            }
            try await group.waitForAll()
        }
        let stats = server.stats.snapshot(queueDepth: 0)
        XCTAssertEqual(stats["requests"]?["nsmc"]?.intValue, Int64(connections * perConnection))
        await server.shutdown()
    }

    /// Requests from many clients are grouped into batches larger than one.
    func testMicroBatchingGroupsConcurrentRequests() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir, delayMs: 5) { $0.engine = .init(threads: 1, maxBatch: 8, maxWaitNanoseconds: 20_000_000) }
        let client = try KoBERTClient(socketPath: dir.file("k.sock"))
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<32 { group.addTask { try await client.nsmc(["text \(i)"]).count } }
            for try await count in group { XCTAssertEqual(count, 1) }
        }
        let batches = try await client.stats()["batches"]
        XCTAssertGreaterThan(batches?["max_size"]?.intValue ?? 0, 1, "\(batches?.jsonString ?? "")")
        XCTAssertLessThanOrEqual(batches?["max_size"]?.intValue ?? 99, 8)
        XCTAssertLessThan(batches?["count"]?.intValue ?? 99, 32)
        client.close()
        await server.shutdown()
    }

    /// A full queue answers "overloaded" at once instead of growing without bound.
    func testBoundedQueueAnswersOverloaded() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir, delayMs: 50) { $0.engine = .init(threads: 1, maxBatch: 1, maxWaitNanoseconds: 0, maxQueue: 4) }
        let c = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 10)
        for i in 0..<12 { c.send(json: request(i, "nsmc", ["texts": ["t"]])) }
        var codes: [Int?] = []
        for _ in 0..<12 { codes.append(c.response()?.errorCode) }
        XCTAssertTrue(codes.contains(RPCErrorCode.overloaded.rawValue), "\(codes)")
        XCTAssertTrue(codes.contains(nil), "some requests were served: \(codes)")
        await server.shutdown()
    }

    func testConnectionLimit() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir) { $0.maxConnections = 2 }
        let a = try RawConnection(path: dir.file("k.sock")), b = try RawConnection(path: dir.file("k.sock"))
        a.send(json: request(1, "health")); b.send(json: request(1, "health"))
        XCTAssertNotNil(a.response()); XCTAssertNotNil(b.response())
        let c = try RawConnection(path: dir.file("k.sock"))
        XCTAssertEqual(c.response()?.errorCode, RPCErrorCode.overloaded.rawValue)
        XCTAssertEqual(c.read(), .closed)
        await server.shutdown()
    }

    func testClientLibraryMethods() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir)
        let client = try KoBERTClient(socketPath: dir.file("k.sock"))
        let nsmc = try await client.nsmc(["좋다", "싫다"])
        XCTAssertEqual(nsmc.count, 2)
        XCTAssertTrue(["positive", "negative"].contains(nsmc[0].label))
        let ner = try await client.ner(["Kim 이순신은 왔다"])
        XCTAssertEqual(ner[0].entities.map(\.text), ["Kim", "이순신은"])
        XCTAssertEqual(ner[0].entities[1].start, 4)
        let qa = try await client.qa(question: "서울은 어디?", context: "수도 서울 이다")
        XCTAssertEqual(qa.answer, "서울")
        XCTAssertEqual(qa.start, 3)
        let emb = try await client.embed(["a", "b"], pooling: .mean)
        XCTAssertEqual(emb.count, 2)
        let tokens = try await client.tokenize(["안녕 하세요"], model: "nsmc")
        XCTAssertEqual(tokens[0].map(\.piece), ["▁안녕", "▁하세요"])
        let info = try await client.info()
        XCTAssertEqual(info["models"]?["nsmc"]?["manifest"]?["version"], "v1")
        do { _ = try await client.call("nope"); XCTFail("unknown method accepted") }
        catch let e as RPCError { XCTAssertEqual(e.code, RPCErrorCode.methodNotFound.rawValue) }
        client.close()
        await server.shutdown()
    }
}

extension ConcurrencyTests {
    /// A daemon that does not answer in time: the client's calls fail instead of hanging.
    func testClientResponseTimeout() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir, delayMs: 1500) { $0.engine = .init(threads: 1, maxBatch: 1, maxWaitNanoseconds: 0) }
        let client = try KoBERTClient(socketPath: dir.file("k.sock"), responseTimeoutSeconds: 0.3)
        let started = Date()
        do {
            _ = try await client.nsmc(["느린 모델"])
            XCTFail("answered although the model takes 1.5 s")
        } catch let e as KoBERTClient.ClientError {
            XCTAssertTrue("\(e)".contains("timeout"), "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.4)
        await server.shutdown()
    }
}
