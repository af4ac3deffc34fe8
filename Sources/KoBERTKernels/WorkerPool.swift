import Foundation
import Synchronization

/// Fork/join on long-lived worker threads. A forward pass opens ~40 parallel regions of 0.05–1 ms each;
/// waking Dispatch's workers costs tens of µs per region, so ours spin briefly between regions and only
/// sleep once idle. One region at a time: a caller that finds the pool busy (another request, or a nested
/// region) falls back to DispatchQueue.concurrentPerform.
public enum WorkerPool {
    /// Most parts one region of the spinning pool takes; wider regions use Dispatch.
    public static let maxParts = 256

    /// Calls body(part) for part in 0..<parts concurrently; part 0 runs on the calling thread.
    /// `body` need not be Sendable: the kernels' bodies capture raw pointers, and the region joins before
    /// this returns (see RegionBody).
    public static func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 { if parts == 1 { body(0) }; return }
        withoutActuallyEscaping(body) { body in
            let region = RegionBody(call: body)
            if #available(macOS 15, *), parts <= maxParts {
                if SpinningPool.shared.run(parts: parts, region) { return }
            }
            DispatchQueue.concurrentPerform(iterations: parts) { region.call($0) }
        }
    }
}

/// One region's body, as the threads that run its parts see it. A struct on the caller's stack: no
/// allocation per region.
// @unchecked: `call` is the caller's non-escaping closure; it is called only while `WorkerPool.run` waits for
// every part to finish (concurrentPerform returns, or the pool's `remaining` reaches 0), so what it captures
// (the kernels' raw pointers) outlives every call, and no thread keeps it afterwards. The parts share no
// mutable state through it: each writes only its own slice of the output (its rows or panels).
struct RegionBody: @unchecked Sendable {
    let call: (Int) -> Void
}

/// A region's number and part count in one word, so that a worker can never pair one region's
/// number with another's count (it would run a part twice, or skip one).
struct RegionTicket: Equatable {
    static let partBits = 16
    let word: Int

    init(word: Int) { self.word = word }
    init(region: Int, parts: Int) { word = region << Self.partBits | parts }

    var region: Int { word >> Self.partBits }
    var parts: Int { word & (1 << Self.partBits - 1) }
    func next(parts: Int) -> RegionTicket { RegionTicket(region: region &+ 1, parts: parts) }
}

@available(macOS 15, *)
// @unchecked: `job` is written only by the caller holding `busy`, while no worker of the previous region
// can still read it (the caller waited for `remaining` to reach 0); a worker reads it only after seeing,
// with acquire ordering, a ticket that names it — the caller stored `job` before releasing that ticket.
// `workers` is touched only by the caller holding `busy`; `sleepers` only under `condition`.
private final class SpinningPool: @unchecked Sendable {
    static let shared = SpinningPool()
    /// How long an idle worker keeps polling before it sleeps.
    private static let spinNanoseconds: UInt64 = 200_000

    private let busy = Atomic<Bool>(false)
    private let ticket = Atomic<Int>(RegionTicket(region: 0, parts: 0).word)
    private let remaining = Atomic<Int>(0)
    private let condition = NSCondition()
    private var sleepers = 0
    private var workers = 0
    private var job: RegionBody?

    func run(parts: Int, _ body: RegionBody) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        let previous = RegionTicket(word: ticket.load(ordering: .acquiring))
        while workers < parts - 1 {
            workers += 1
            let index = workers
            let thread = Thread { [self] in work(index, seen: previous) }
            thread.name = "kobert-worker-\(index)"
            thread.start()
        }
        job = body
        remaining.store(parts - 1, ordering: .relaxed)
        condition.lock()
        ticket.store(previous.next(parts: parts).word, ordering: .releasing)
        if sleepers > 0 { condition.broadcast() }
        condition.unlock()
        body.call(0)
        var spins = 0
        while remaining.load(ordering: .acquiring) != 0 {
            spins += 1
            if spins & 1023 == 0 { sched_yield() }   // a worker may have been preempted
        }
        job = nil
        return true
    }

    @inline(never)
    private func runPart(_ index: Int) { job?.call(index) }

    private func work(_ index: Int, seen start: RegionTicket) {
        var seen = start
        while true {
            let current = nextTicket(after: seen)
            seen = current
            WorkerPoolTesting.pause()
            // A region that names this worker cannot end before it reports, so `job` is still its job.
            if index < current.parts {
                runPart(index)   // returns holding no reference to the caller's closure
                remaining.subtract(1, ordering: .releasing)
            }
        }
    }

    /// Polls for a ticket other than `seen`, then sleeps until one is published.
    private func nextTicket(after seen: RegionTicket) -> RegionTicket {
        var current = RegionTicket(word: ticket.load(ordering: .acquiring))
        if current != seen {
            return current
        }
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        var spins = 0
        while current == seen {
            spins += 1
            if spins & 255 == 0 {
                if DispatchTime.now().uptimeNanoseconds > deadline { break }
                sched_yield()   // more threads than cores: let the ones the region waits for run
            }
            current = RegionTicket(word: ticket.load(ordering: .acquiring))
        }
        if current != seen { return current }
        condition.lock()
        while RegionTicket(word: ticket.load(ordering: .acquiring)) == seen {
            sleepers += 1; condition.wait(); sleepers -= 1
        }
        condition.unlock()
        return RegionTicket(word: ticket.load(ordering: .acquiring))
    }
}

/// Test hook: a pause each worker takes between reading a region's ticket and acting on it, so a test
/// can widen the window in which the caller may already be publishing the next region. 0 in production.
public enum WorkerPoolTesting {
    public static let pauseMicroseconds = Atomic<Int>(0)

    @inline(__always)
    static func pause() {
        let us = pauseMicroseconds.load(ordering: .relaxed)
        if us > 0 { usleep(UInt32(us)) }
    }
}
