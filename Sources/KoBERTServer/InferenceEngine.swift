import Foundation
import KoBERTProtocol

/// Dynamic micro-batching on a fixed pool of inference threads.
///
/// Items from all connections queue per (task, operation). A worker takes a batch when a queue
/// holds `maxBatch` items or its oldest item has waited `maxWait`, so under load the GEMMs see
/// bigger batches and when idle a lone request waits at most `maxWait`. The queue is bounded:
/// `submit` refuses work beyond `maxQueue` items instead of growing memory.
public final class InferenceEngine: @unchecked Sendable {
    public struct Limits: Sendable {
        public var threads: Int
        public var maxBatch: Int
        public var maxWaitNanoseconds: UInt64
        public var maxQueue: Int
        public init(threads: Int, maxBatch: Int = 8, maxWaitNanoseconds: UInt64 = 2_000_000, maxQueue: Int = 1024) {
            self.threads = max(1, threads); self.maxBatch = max(1, maxBatch)
            self.maxWaitNanoseconds = maxWaitNanoseconds; self.maxQueue = max(1, maxQueue)
        }
    }

    public enum Operation: Sendable { case predict, tokenize }

    private struct QueueKey: Hashable { let task: String; let operation: Operation }

    /// One request's items; completes once every item has a result.
    private final class Job {
        var results: [ItemResult?]
        var remaining: Int
        let completion: ([ItemResult]) -> Void
        init(count: Int, completion: @escaping ([ItemResult]) -> Void) {
            results = Array(repeating: nil, count: count); remaining = count; self.completion = completion
        }
    }

    private struct Pending {
        let job: Job
        let index: Int
        let item: InferenceItem
        let enqueuedAt: UInt64
    }

    public let limits: Limits
    private let registry: ModelRegistry
    private let stats: ServerStats
    private let condition = NSCondition()
    private var queues: [QueueKey: [Pending]] = [:]
    private var queued = 0
    private var running = 0
    private var stopping = false
    private var liveWorkers = 0
    private var stopWaiters: [() -> Void] = []
    private var lastProgress = DispatchTime.now().uptimeNanoseconds

    public init(limits: Limits, registry: ModelRegistry, stats: ServerStats) {
        self.limits = limits; self.registry = registry; self.stats = stats
    }

    public func start() {
        condition.lock(); liveWorkers = limits.threads; condition.unlock()
        for i in 0..<limits.threads {
            let thread = Thread { [self] in workerLoop() }
            thread.name = "kobertd-infer-\(i)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Queues a request's items. Returns an error (overloaded, model not loaded, shutting down)
    /// without queuing anything, or nil when `completion` will be called exactly once.
    public func submit(task: String, operation: Operation = .predict, items: [InferenceItem],
                       completion: @escaping ([ItemResult]) -> Void) -> RPCError? {
        guard registry.backend(for: task) != nil else {
            return RPCError(.modelNotLoaded, "no model is loaded for task \"\(task)\"",
                            data: ["loaded": .array(registry.tasks.map { .string($0) })])
        }
        let now = DispatchTime.now().uptimeNanoseconds
        condition.lock()
        defer { condition.unlock() }
        if stopping { return RPCError(.shuttingDown, "kobertd is shutting down") }
        if queued + items.count > limits.maxQueue {
            return RPCError(.overloaded, "inference queue is full (\(queued) of \(limits.maxQueue) texts waiting); retry later")
        }
        let job = Job(count: items.count, completion: completion)
        let key = QueueKey(task: task, operation: operation)
        for (i, item) in items.enumerated() {
            queues[key, default: []].append(Pending(job: job, index: i, item: item, enqueuedAt: now))
        }
        if queued == 0 { lastProgress = now }   // an idle engine starts its progress clock now
        queued += items.count
        condition.broadcast()
        return nil
    }

    /// Texts waiting in queues (not yet in a running batch).
    public var queueDepth: Int { condition.lock(); defer { condition.unlock() }; return queued }

    /// True while work moves: nothing is queued or running, or a batch finished within `window`.
    public func isMakingProgress(windowNanoseconds: UInt64) -> Bool {
        condition.lock(); defer { condition.unlock() }
        if queued == 0 && running == 0 { return true }
        return DispatchTime.now().uptimeNanoseconds - lastProgress < windowNanoseconds
    }

    /// Finishes everything queued, then stops the workers; `completion` runs once all have exited.
    public func stop(completion: @escaping () -> Void) {
        condition.lock()
        stopping = true
        if liveWorkers == 0 { condition.unlock(); completion(); return }
        stopWaiters.append(completion)
        condition.broadcast()
        condition.unlock()
    }

    public func stop() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in stop { c.resume() } }
    }

    // MARK: Workers

    private func workerLoop() {
        condition.lock()
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            if let (key, batch) = takeBatch(now: now) {
                running += 1
                condition.unlock()
                let results = run(key: key, batch: batch)
                condition.lock()
                running -= 1
                lastProgress = DispatchTime.now().uptimeNanoseconds
                var finished: [Job] = []
                for (pending, result) in zip(batch, results) {
                    pending.job.results[pending.index] = result
                    pending.job.remaining -= 1
                    if pending.job.remaining == 0 { finished.append(pending.job) }
                }
                condition.unlock()
                for job in finished { job.completion(job.results.map { $0! }) }
                condition.lock()
                continue
            }
            if stopping && queued == 0 { break }
            if let deadline = earliestDeadline() {
                let wait = deadline > now ? Double(deadline - now) / 1e9 : 0
                _ = condition.wait(until: Date(timeIntervalSinceNow: wait))
            } else {
                condition.wait()
            }
        }
        liveWorkers -= 1
        let waiters = liveWorkers == 0 ? stopWaiters : []
        if liveWorkers == 0 { stopWaiters = [] }
        condition.broadcast()
        condition.unlock()
        for w in waiters { w() }
    }

    /// Under the lock: the most urgent ready batch (full, expired, or draining), oldest first.
    private func takeBatch(now: UInt64) -> (QueueKey, [Pending])? {
        var best: (key: QueueKey, oldest: UInt64)? = nil
        for (key, queue) in queues {
            guard let head = queue.first else { continue }
            let ready = queue.count >= limits.maxBatch || now &- head.enqueuedAt >= limits.maxWaitNanoseconds || stopping
            if ready && (best == nil || head.enqueuedAt < best!.oldest) { best = (key, head.enqueuedAt) }
        }
        guard let key = best?.key, var queue = queues[key] else { return nil }
        // Split what waits between the idle workers (this one included): one worker taking a whole
        // queue of short texts would leave the other cores idle, which costs more than batching gains.
        let idleWorkers = max(1, liveWorkers - running)
        let fairShare = (queue.count + idleWorkers - 1) / idleWorkers
        let take = min(limits.maxBatch, fairShare)
        let batch = Array(queue.prefix(take))
        queue.removeFirst(take)
        queues[key] = queue.isEmpty ? nil : queue
        queued -= take
        return (key, batch)
    }

    private func earliestDeadline() -> UInt64? {
        queues.values.compactMap { $0.first?.enqueuedAt }.min().map { $0 + limits.maxWaitNanoseconds }
    }

    /// Runs one batch outside the lock on whatever model is current now.
    private func run(key: QueueKey, batch: [Pending]) -> [ItemResult] {
        guard let backend = registry.backend(for: key.task) else {
            return batch.map { _ in .failure(RPCError(.modelNotLoaded, "no model is loaded for task \"\(key.task)\"")) }
        }
        switch key.operation {
        case .predict:
            stats.recordBatch(size: batch.count)
            let results = backend.predict(batch.map(\.item))
            guard results.count == batch.count else {
                return batch.map { _ in .failure(RPCError(.internalError, "model returned \(results.count) results for \(batch.count) inputs")) }
            }
            return results
        case .tokenize:
            return batch.map { pending in
                guard case .text(let text, _) = pending.item else { return .failure(RPCError(.invalidParams, "tokenize takes texts")) }
                do { return .success(try backend.tokenize(text)) }
                catch let e as RPCError { return .failure(e) }
                catch { return .failure(RPCError(.inferenceFailed, "\(error)")) }
            }
        }
    }
}
