import Foundation
import KoBERTProtocol
@testable import KoBERTServer
import XCTest

/// One connection's backlog must not hold another connection's request for more than about
/// one batch (issue 11, item 4).
final class FairnessTests: XCTestCase {
    func testFairQueueTakesOneItemPerConnectionInTurn() {
        var queue = FairQueue<String>()
        for i in 1...5 { queue.append("a\(i)", from: 1) }
        queue.append("b1", from: 2)
        for i in 1...2 { queue.append("c\(i)", from: 3) }
        XCTAssertEqual(queue.count, 8)
        XCTAssertEqual(queue.take(upTo: 4), ["a1", "b1", "c1", "a2"])
        // b left the rotation; coming back with nothing served since, it goes ahead of c and a.
        queue.append("b2", from: 2)
        XCTAssertEqual(queue.take(upTo: 3), ["b2", "c2", "a3"])
        XCTAssertEqual(queue.take(upTo: 10), ["a4", "a5"])
        XCTAssertTrue(queue.isEmpty)
        XCTAssertEqual(queue.take(upTo: 3), [])
    }

    func testNewcomersJoinAheadOfBacklogsInArrivalOrder() {
        var queue = FairQueue<String>()
        for i in 1...3 { queue.append("a\(i)", from: 1) }
        XCTAssertEqual(queue.take(upTo: 1), ["a1"])
        queue.append("b1", from: 2)
        queue.append("c1", from: 3)
        queue.append("b2", from: 2)
        XCTAssertEqual(queue.take(upTo: 10), ["b1", "c1", "a2", "b2", "a3"])
    }

    func testFairQueueStopsWhereTheBatchIsFull() {
        var queue = FairQueue<Int>()
        for size in [10, 10, 10] { queue.append(size, from: 1) }
        queue.append(25, from: 2)
        // At most 30 "bytes": 10 then 25 would be 35, so the batch stops after the first item.
        let first = queue.take(upTo: 8, while: { next, taken in taken.reduce(0, +) + next <= 30 })
        XCTAssertEqual(first, [10])
        // The first item always goes in, even alone over the budget.
        XCTAssertEqual(queue.take(upTo: 8, while: { next, taken in taken.reduce(0, +) + next <= 20 }), [25])
        XCTAssertEqual(queue.count, 2)
        XCTAssertEqual(queue.heads, [10])
    }

    /// A batch is bounded by padded bytes (items × longest): a long text runs alone and the
    /// short texts of the same request do not ride, padded to its length, beside it.
    func testShortTextsDoNotRideInABatchOfLongOnes() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir) { $0.engine = .init(threads: 1, maxBatch: 8, maxWaitNanoseconds: 0, maxBatchBytes: 100) }
        let c = try RawConnection(path: dir.file("k.sock"))
        let long = String(repeating: "x", count: 90)
        c.send(json: request(1, "nsmc", ["texts": .array([.string(long)] + (1...5).map { .string("s\($0)") })]))
        XCTAssertEqual(c.response()?.result?["predictions"]?.arrayValue?.count, 6)
        let backend = try XCTUnwrap(server.registry.backend(for: "nsmc") as? TestBackend)
        let batches = backend.batches.map { $0.map { item -> String in if case .text(let t, _) = item { return t }; return "" } }
        XCTAssertEqual(batches, [[long], ["s1", "s2", "s3", "s4", "s5"]])
        await server.shutdown()
    }

    /// A connection pipelines 64 texts; a second connection's single text queued behind them is
    /// served in one of the next batches, not after the whole backlog (FIFO put it last).
    func testSingleRequestIsNotHeldBehindAnotherConnectionsBacklog() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir, delayMs: 80) { $0.engine = .init(threads: 1, maxBatch: 4, maxWaitNanoseconds: 0) }
        let flood = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20)
        for r in 0..<8 {
            flood.send(json: request(r, "nsmc", ["texts": .array((0..<8).map { .string("flood \(r) \($0)") })]))
        }
        // Wait (bounded) until the backlog is queued, then send the probe.
        XCTAssertGreaterThanOrEqual(waitForQueueDepth(server, atLeast: 40), 40, "the flood was never queued")
        let probe = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20)
        probe.send(json: request(99, "nsmc", ["texts": ["probe"]]))
        XCTAssertNil(probe.response()?.errorCode)
        for _ in 0..<8 { XCTAssertNil(flood.response()?.errorCode) }

        let backend = try XCTUnwrap(server.registry.backend(for: "nsmc") as? TestBackend)
        let batches = backend.batches.map { $0.map { item -> String in if case .text(let t, _) = item { return t }; return "" } }
        let probeBatch = try XCTUnwrap(batches.firstIndex { $0.contains("probe") })
        let floodAfterProbe = batches[(probeBatch + 1)...].reduce(0) { $0 + $1.count }
        // At least 40 flood texts were waiting when the probe came; round-robin puts it in the
        // next batch, so most of them run after it (a few batches of slack for a slow machine).
        XCTAssertGreaterThanOrEqual(floodAfterProbe, 24, "probe in batch \(probeBatch) of \(batches.count): \(batches)")
        XCTAssertEqual(batches.reduce(0) { $0 + $1.count }, 65)
        await server.shutdown()
    }

    /// Queues of different tasks take turns: a backlog of `ner` texts does not hold an `nsmc`
    /// request until the backlog is done.
    func testQueuesOfDifferentTasksTakeTurns() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir, delayMs: 80) { $0.engine = .init(threads: 1, maxBatch: 4, maxWaitNanoseconds: 0) }
        let flood = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20)
        for r in 0..<8 {
            flood.send(json: request(r, "ner", ["texts": .array((0..<8).map { .string("flood \(r) \($0)") })]))
        }
        XCTAssertGreaterThanOrEqual(waitForQueueDepth(server, atLeast: 40), 40, "the flood was never queued")
        let probe = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20)
        probe.send(json: request(99, "nsmc", ["texts": ["probe"]]))
        XCTAssertNil(probe.response()?.errorCode)
        let nerBackend = try XCTUnwrap(server.registry.backend(for: "ner") as? TestBackend)
        let nerBatchesBeforeProbeAnswer = nerBackend.batches.count
        for _ in 0..<8 { XCTAssertNil(flood.response()?.errorCode) }
        // 16 ner batches in all; the probe was answered while most of them still waited.
        XCTAssertLessThanOrEqual(nerBatchesBeforeProbeAnswer, 10, "probe waited for \(nerBatchesBeforeProbeAnswer) ner batches")
        XCTAssertEqual(nerBackend.batches.count, 16)
        await server.shutdown()
    }

    func testFairQueuePassesOverIneligibleHeadsWithoutMovingThem() {
        var queue = FairQueue<String>()
        queue.append("LONG-a1", from: 1); queue.append("a2", from: 1)
        queue.append("b1", from: 2)
        queue.append("LONG-c1", from: 3)
        let short = { (item: String) in !item.hasPrefix("LONG") }
        XCTAssertEqual(queue.take(upTo: 8, eligible: short), ["b1"])
        XCTAssertEqual(queue.heads, ["LONG-a1", "LONG-c1"], "passed-over connections keep their turn")
        XCTAssertEqual(queue.take(upTo: 8, eligible: short), [])
        XCTAssertEqual(queue.take(upTo: 8), ["LONG-a1", "LONG-c1", "a2"])
        XCTAssertTrue(queue.isEmpty)
    }

    /// Short lane: with two workers, long texts keep only one busy, so a short request sent while
    /// long ones wait starts at once on the other worker instead of after the next long batch.
    func testAShortRequestDoesNotWaitForLongBatchesOnBothWorkers() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir, delayMs: 400) { $0.engine = .init(threads: 2, maxBatch: 8, maxWaitNanoseconds: 0) }
        let flood = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20)
        let long = String(repeating: "가", count: InferenceEngine.longTextBytes / 3 + 1)
        for r in 0..<3 { flood.send(json: request(r, "nsmc", ["texts": .array([.string(long + "\(r)")])])) }
        XCTAssertEqual(waitForQueueDepth(server, atLeast: 2), 2, "one long text running, two held back for the short lane")
        let probe = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20)
        probe.send(json: request(99, "nsmc", ["texts": ["probe"]]))
        XCTAssertNil(probe.response()?.errorCode)
        for _ in 0..<3 { XCTAssertNil(flood.response()?.errorCode) }
        let backend = try XCTUnwrap(server.registry.backend(for: "nsmc") as? TestBackend)
        let batches = backend.batches.map { $0.map { item -> String in if case .text(let t, _) = item { return t == "probe" ? t : "long" }; return "" } }
        // The two held-back long texts then run together (2 × 1 KiB is within max-batch-bytes).
        XCTAssertEqual(batches, [["long"], ["probe"], ["long", "long"]])
        await server.shutdown()
    }

    /// Polls (at most 1 s) until `atLeast` texts wait in the engine's queues; returns the last depth seen.
    private func waitForQueueDepth(_ server: KoBERTServer, atLeast wanted: Int) -> Int {
        var depth = 0
        for _ in 0..<500 where depth < wanted {
            depth = server.engine.queueDepth
            if depth < wanted { usleep(2_000) }
        }
        return depth
    }
}
