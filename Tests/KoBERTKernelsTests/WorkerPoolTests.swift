import Foundation
import Synchronization
import XCTest
@testable import KoBERTKernels

/// Every part of every region runs exactly once, whatever the part counts of consecutive regions.
/// A worker that paired one region's number with the next region's part count ran a part twice and
/// skipped another (1 region in ~200k with parts 4/2/3; within ~15 regions with a 200 µs pause).
final class WorkerPoolTests: XCTestCase {
    /// Regions with part counts cycling through `pattern`; each part stamps its slot with the region's
    /// number and bumps a shared counter, so a part run twice, run late or skipped is seen.
    private func runRegions(_ regions: Int, pattern: [Int], deadline seconds: Double) -> (bad: Int, finished: Bool) {
        let widest = pattern.max()!
        nonisolated(unsafe) let stamps = UnsafeMutablePointer<Int>.allocate(capacity: widest)
        stamps.initialize(repeating: -1, count: widest)
        let calls = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var bad = 0
        let thread = Thread {
            var expected = 0
            for region in 0..<regions {
                let parts = pattern[region % pattern.count]
                WorkerPool.run(parts: parts) { part in
                    stamps[part] = region
                    calls.add(1, ordering: .relaxed)
                }
                expected += parts
                for part in 0..<parts where stamps[part] != region { bad += 1 }
                if calls.load(ordering: .relaxed) != expected { bad += 1; expected = calls.load(ordering: .relaxed) }
            }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        let finished = done.wait(timeout: .now() + seconds) == .success
        // On a timeout the pool is wedged: leak the buffer rather than free it under a running worker.
        if finished { stamps.deallocate() }
        return (bad, finished)
    }

    func testEveryPartRunsOnceOverAMillionRegions() {
        // 3…8 parts, consecutive regions of different widths (the case that broke), 10^6 regions in all.
        let patterns: [[Int]] = [[3, 2], [4, 2, 3], [5, 3, 2, 4], [6, 2, 5, 3], [7, 3, 6, 2], [8, 2, 7, 3, 5]]
        let perPattern = (ProcessInfo.processInfo.environment["POOL_REGIONS"].flatMap(Int.init) ?? 1_000_000) / patterns.count + 1
        for pattern in patterns {
            let (bad, finished) = runRegions(perPattern, pattern: pattern, deadline: 240)
            XCTAssertTrue(finished, "parts \(pattern): \(perPattern) regions did not finish within 240 s (livelock?)")
            XCTAssertEqual(bad, 0, "parts \(pattern): regions with a part skipped, run twice or run late")
        }
    }

    func testEveryPartRunsOnceWhenWorkersArePreemptedBetweenTicketAndWork() {
        WorkerPoolTesting.pauseMicroseconds.store(200, ordering: .relaxed)
        defer { WorkerPoolTesting.pauseMicroseconds.store(0, ordering: .relaxed) }
        for pattern in [[4, 2, 3], [8, 3, 6, 2]] {
            let (bad, finished) = runRegions(600, pattern: pattern, deadline: 120)
            XCTAssertTrue(finished, "parts \(pattern): 600 paused regions did not finish within 120 s (livelock?)")
            XCTAssertEqual(bad, 0, "parts \(pattern): regions with a part skipped, run twice or run late")
        }
    }

    func testRegionTicketKeepsNumberAndCountApart() {
        let t = RegionTicket(region: 41, parts: 7)
        XCTAssertEqual(t.region, 41)
        XCTAssertEqual(t.parts, 7)
        let n = t.next(parts: WorkerPool.maxParts)
        XCTAssertEqual(n.region, 42)
        XCTAssertEqual(n.parts, WorkerPool.maxParts)
        XCTAssertNotEqual(n, RegionTicket(region: 42, parts: 7))
    }
}
