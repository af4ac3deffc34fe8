import Foundation
import Synchronization

/// Fork/join on long-lived worker threads. A forward pass opens ~40 parallel regions of 0.05–1 ms each;
/// waking Dispatch's workers costs tens of µs per region, so ours spin briefly between regions and only
/// sleep once idle. One region at a time: a caller that finds the pool busy (another request, or a nested
/// region) falls back to DispatchQueue.concurrentPerform.
public enum WorkerPool {
    /// Calls body(part) for part in 0..<parts concurrently; part 0 runs on the calling thread.
    public static func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 { if parts == 1 { body(0) }; return }
        if #available(macOS 15, *) {
            if SpinningPool.shared.run(parts: parts, body) { return }
        }
        DispatchQueue.concurrentPerform(iterations: parts, execute: body)
    }
}

@available(macOS 15, *)
private final class SpinningPool: @unchecked Sendable {
    static let shared = SpinningPool()
    /// How long an idle worker keeps polling before it sleeps.
    private static let spinNanoseconds: UInt64 = 200_000

    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let condition = NSCondition()
    private var sleepers = 0          // guarded by condition
    private var workers = 0           // only touched by the caller holding `busy`
    // Published before `generation` is bumped (release), read after it is seen (acquire).
    private var job: ((Int) -> Void)?
    private var parts = 0

    func run(parts: Int, _ body: (Int) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        while workers < parts - 1 {
            workers += 1
            let index = workers, seen = generation.load(ordering: .acquiring)   // before this region's bump
            let thread = Thread { [self] in work(index, seen: seen) }
            thread.name = "kobert-worker-\(index)"
            thread.start()
        }
        withoutActuallyEscaping(body) { body in
            job = body
            self.parts = parts
            remaining.store(parts - 1, ordering: .relaxed)
            condition.lock()
            generation.add(1, ordering: .releasing)
            if sleepers > 0 { condition.broadcast() }
            condition.unlock()
            body(0)
            var spins = 0
            while remaining.load(ordering: .acquiring) != 0 {
                spins += 1
                if spins & 1023 == 0 { sched_yield() }   // a worker may have been preempted
            }
            job = nil
        }
        return true
    }

    @inline(never)
    private func runPart(_ index: Int) { job?(index) }

    private func work(_ index: Int, seen start: Int) {
        var seen = start
        while true {
            // Poll for the next region, then sleep until it is published.
            var current = generation.load(ordering: .acquiring)
            if current == seen {
                let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
                var spins = 0
                while current == seen {
                    spins += 1
                    if spins & 255 == 0 && DispatchTime.now().uptimeNanoseconds > deadline { break }
                    current = generation.load(ordering: .acquiring)
                }
            }
            if current == seen {
                condition.lock()
                while generation.load(ordering: .acquiring) == seen {
                    sleepers += 1; condition.wait(); sleepers -= 1
                }
                condition.unlock()
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if index < parts {
                runPart(index)   // returns holding no reference to the caller's closure
                remaining.subtract(1, ordering: .releasing)
            }
        }
    }
}
