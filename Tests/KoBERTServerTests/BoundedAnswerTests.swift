#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KoBERTProtocol
@testable import KoBERTServer
import XCTest

/// Answers stay within the frame limit, tokenize within its piece limit, and a connection's
/// memory within its byte budget (issue 11, item 3).
final class BoundedAnswerTests: XCTestCase {
    func testPieceLowerBoundCountsWordsWithLettersOrDigits() {
        XCTAssertEqual(RequestDispatcher.minimumPieces(["가나다 가나다  abc", "12 ... ,,,", ""], stoppingAbove: 100), 4)
        XCTAssertEqual(RequestDispatcher.minimumPieces(["\u{0301}\u{0301} \u{02B0} x"], stoppingAbove: 100), 1)
        // Stops counting once over the limit (a 1 MiB text is not scanned to its end).
        let huge = String(repeating: "가나다 ", count: 100_000)
        XCTAssertEqual(RequestDispatcher.minimumPieces([huge], stoppingAbove: 10), 11)
    }

    /// Over the limit by the word count: refused before tokenizing. Over it only once tokenized
    /// (punctuation words count 0 in the lower bound): refused by the engine. At the limit: served.
    func testTokenizePieceLimit() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir) { $0.maxPiecesPerRequest = 10 }
        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(json: request(1, "tokenize", ["texts": ["a b c d e f", "g h i j k"]]))
        let early = try XCTUnwrap(c.response())
        XCTAssertEqual(early.errorCode, RPCErrorCode.inputTooLarge.rawValue)
        if case .failure(let e) = early.outcome { XCTAssertEqual(e.data?["limit"]?.intValue, 10); XCTAssertTrue(e.message.contains("max-pieces"), e.message) }

        c.send(json: request(2, "tokenize", ["texts": [". , ; : ! ?", "- + = ~ #"]]))
        XCTAssertEqual(c.response()?.errorCode, RPCErrorCode.inputTooLarge.rawValue)

        c.send(json: request(3, "tokenize", ["texts": ["a b c d e", ". , ; : !"]]))
        let served = try XCTUnwrap(c.response())
        XCTAssertEqual(served.result?["tokens"]?.arrayValue?.map { $0.arrayValue?.count ?? -1 }, [5, 5])
        await server.shutdown()
    }

    /// An answer over max-frame-bytes becomes -32003 with the request's id; the connection stays.
    func testAnswerOverTheFrameLimitIsRefusedWithItsId() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir) { $0.maxFrameBytes = 1024 }
        let c = try RawConnection(path: dir.file("k.sock"))
        c.send(json: request(7, "embed", ["texts": .array((0..<40).map { .string("text \($0)") })]))
        let big = try XCTUnwrap(c.response())
        XCTAssertEqual(big.id.intValue, 7)
        XCTAssertEqual(big.errorCode, RPCErrorCode.inputTooLarge.rawValue)
        if case .failure(let e) = big.outcome {
            XCTAssertEqual(e.data?["limit"]?.intValue, 1024)
            XCTAssertGreaterThan(e.data?["answer_bytes"]?.intValue ?? 0, 1024)
        }
        c.send(json: request(8, "embed", ["texts": ["one"]]))
        XCTAssertEqual(c.response()?.result?["embeddings"]?.arrayValue?.count, 1)
        await server.shutdown()
    }

    /// Reading pauses once a connection holds max-connection-bytes of unanswered requests, so
    /// requests sit in the client's socket, not in the daemon's memory; all are answered later.
    func testConnectionBytesBoundRequestsHeld() async throws {
        let dir = TempDirectory()
        let server = try await startServer(dir, delayMs: 60) {
            $0.engine = .init(threads: 1, maxBatch: 1, maxWaitNanoseconds: 0)
            $0.maxConnectionBytes = 40_000
        }
        let requests = 12
        let c = try RawConnection(path: dir.file("k.sock"), timeoutSeconds: 20)
        let text = String(repeating: "a", count: 20_000)
        let sender = Thread { for i in 0..<requests { c.send(json: request(i, "nsmc", ["texts": .array([.string(text)])])) } }
        sender.start()
        // Two requests reach the budget; one read of at most 64 KiB may carry three more frames.
        let allowed = 2 + 3
        var most = 0
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let stats = server.stats.snapshot(queueDepth: 0)
            most = max(most, Int(stats["in_flight"]?.intValue ?? 0))
            if stats["requests"]?["nsmc"]?.intValue == Int64(requests) { break }
            usleep(5_000)
        }
        XCTAssertLessThanOrEqual(most, allowed, "requests held at once")
        XCTAssertGreaterThanOrEqual(most, 1)
        var answered = 0
        for _ in 0..<requests where c.response()?.errorCode == nil { answered += 1 }
        XCTAssertEqual(answered, requests)
        await server.shutdown()
    }
}
