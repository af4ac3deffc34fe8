import Foundation
import KoBERTProtocol

/// Dynamic micro-batching on a fixed pool of inference threads.
///
/// Items from all connections queue per (task, operation). A worker takes a batch when a queue
/// holds `maxBatch` items or its oldest item has waited `maxWait`, so under load the GEMMs see
/// bigger batches and when idle a lone request waits at most `maxWait`. The queue is bounded:
/// `submit` refuses work beyond `maxQueue` items instead of growing memory.
///
/// Fairness: the queues take turns (round-robin over (task, operation)), and inside a queue a
/// batch is filled one item per connection in turn (`FairQueue`), so one connection's backlog
/// delays another connection's request by about one batch. A batch also stops growing at
/// `maxBatchBytes` of padded text (items × its longest item, as a batch runs padded to its
/// longest sequence), so a batch of long texts is one text long and a short text does not
/// ride, padded, in a batch of long ones.
///
/// Short lane: with two or more workers, at most all but one run batches holding a long text (one
/// over `longTextBytes`) at a time, so a short request never waits for a long forward pass
/// (~250 ms for 512 tokens on one core) to end; the last worker takes long work only when no
/// other worker is on it.
// @unchecked: every stored var is read and written under `condition`.
public final class InferenceEngine: @unchecked Sendable {
    /// UTF-8 bytes above which a text counts as long for the short lane (~340 Hangul syllables).
    public static let longTextBytes = 1024

    public struct Limits: Sendable {
        public var threads: Int
        public var maxBatch: Int
        public var maxWaitNanoseconds: UInt64
        public var maxQueue: Int
        /// Padded UTF-8 bytes (items × longest item) a batch grows to at most; its first item
        /// always goes in.
        public var maxBatchBytes: Int
        public init(threads: Int, maxBatch: Int = 8, maxWaitNanoseconds: UInt64 = 2_000_000, maxQueue: Int = 1024,
                    maxBatchBytes: Int = 16 << 10) {
            self.threads = max(1, threads); self.maxBatch = max(1, maxBatch)
            self.maxWaitNanoseconds = maxWaitNanoseconds; self.maxQueue = max(1, maxQueue)
            self.maxBatchBytes = max(1, maxBatchBytes)
        }
    }

    public enum Operation: Sendable { case predict, tokenize }

    private struct QueueKey: Hashable { let task: String; let operation: Operation }

    /// One request's items; completes once every item has a result.
    private final class Job {
        var results: [ItemResult?]
        var remaining: Int
        let completion: ([ItemResult]) -> Void
        /// Tokenize: pieces this request may produce in all (nil: no limit), and those made so far
        /// (under the engine lock).
        let maxPieces: Int?
        var spentPieces = 0
        /// Set once an item failed for the whole request: later items are not worked on.
        var refusal: RPCError?
        init(count: Int, maxPieces: Int?, completion: @escaping ([ItemResult]) -> Void) {
            results = Array(repeating: nil, count: count); remaining = count
            self.maxPieces = maxPieces; self.completion = completion
        }
    }

    private struct Pending {
        let job: Job
        let index: Int
        let item: InferenceItem
        let bytes: Int
        let enqueuedAt: UInt64
    }

    public let limits: Limits
    private let registry: ModelRegistry
    private let stats: ServerStats
    private let condition = NSCondition()
    private var queues: [QueueKey: FairQueue<Pending>] = [:]
    /// Keys with waiting items, in turn order: the next batch comes from the first ready one.
    private var keyRotation: [QueueKey] = []
    private var queued = 0
    private var running = 0
    /// Batches of long texts running now (the short lane keeps one worker off them).
    private var runningLong = 0
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
    /// `maxPieces` bounds the pieces a tokenize request may produce in all (past it: -32003).
    public func submit(task: String, operation: Operation = .predict, items: [InferenceItem],
                       from connection: ConnectionID = 0, maxPieces: Int? = nil,
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
        let job = Job(count: items.count, maxPieces: maxPieces, completion: completion)
        let key = QueueKey(task: task, operation: operation)
        if queues[key] == nil { queues[key] = FairQueue(); keyRotation.append(key) }
        for (i, item) in items.enumerated() {
            queues[key]!.append(Pending(job: job, index: i, item: item, bytes: item.textBytes, enqueuedAt: now), from: connection)
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
                let long = batch.contains { $0.bytes > Self.longTextBytes }
                running += 1
                if long { runningLong += 1 }
                condition.unlock()
                let results = run(key: key, batch: batch)
                condition.lock()
                running -= 1
                if long { runningLong -= 1; condition.broadcast() }   // a held-back long batch may go now
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
            if let deadline = earliestDeadline(eligible: eligibleNow()) {
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

    /// Under the lock: a batch from the first ready queue in turn order (full, expired, or
    /// draining); that queue then goes to the back of the turn.
    private func takeBatch(now: UInt64) -> (QueueKey, [Pending])? {
        let eligible = eligibleNow()
        guard let position = keyRotation.firstIndex(where: { key in
            guard let queue = queues[key] else { return false }
            let heads = queue.heads.filter(eligible)
            return !heads.isEmpty && (queue.count >= limits.maxBatch || stopping
                || heads.contains { now &- $0.enqueuedAt >= limits.maxWaitNanoseconds })
        }) else { return nil }
        let key = keyRotation.remove(at: position)
        // Split what waits between the idle workers (this one included): one worker taking a whole
        // queue of short texts would leave the other cores idle, which costs more than batching gains.
        let idleWorkers = max(1, liveWorkers - running)
        let waiting = queues[key]!.count
        let fairShare = (waiting + idleWorkers - 1) / idleWorkers
        var longest = 0
        let byteLimit = limits.maxBatchBytes
        let batch = queues[key]!.take(upTo: min(limits.maxBatch, fairShare), eligible: eligible) { next, taken in
            if taken.count == 1 { longest = taken[0].bytes }
            let padded = max(longest, next.bytes).multipliedReportingOverflow(by: taken.count + 1)
            guard !padded.overflow, padded.partialValue <= byteLimit else { return false }
            longest = max(longest, next.bytes)
            return true
        }
        if queues[key]!.isEmpty { queues[key] = nil } else { keyRotation.append(key) }
        queued -= batch.count
        return (key, batch)
    }

    /// Under the lock: which items a worker may start now (all, unless the short lane is closed to long ones).
    private func eligibleNow() -> (Pending) -> Bool {
        let laneHeldBack = limits.threads > 1 && runningLong >= limits.threads - 1
        return laneHeldBack ? { $0.bytes <= Self.longTextBytes } : { _ in true }
    }

    private func earliestDeadline(eligible: (Pending) -> Bool) -> UInt64? {
        queues.values.flatMap { $0.heads.filter(eligible).map(\.enqueuedAt) }.min().map { $0 + limits.maxWaitNanoseconds }
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
                if let refusal = refusal(of: pending.job) { return .failure(refusal) }
                do {
                    let pieces = try backend.tokenize(text)
                    if let refusal = charge(pending.job, pieces: pieces.count) { return .failure(refusal) }
                    return .success(.array(pieces.map(\.json)))
                }
                catch let e as RPCError { return .failure(e) }
                catch { return .failure(RPCError(.inferenceFailed, "\(error)")) }
            }
        }
    }

    private func refusal(of job: Job) -> RPCError? {
        condition.lock(); defer { condition.unlock() }
        return job.refusal
    }

    /// Takes `pieces` from the request's piece budget; past it the request fails as a whole and
    /// its texts not yet tokenized are skipped.
    private func charge(_ job: Job, pieces: Int) -> RPCError? {
        condition.lock(); defer { condition.unlock() }
        if let refusal = job.refusal { return refusal }
        guard let limit = job.maxPieces else { return nil }
        guard pieces <= limit - job.spentPieces else {
            job.refusal = RPCError(.inputTooLarge, "tokenize: these texts make more than \(limit) pieces, the limit per request (max-pieces)",
                                   data: ["limit": .int(Int64(limit))])
            return job.refusal
        }
        job.spentPieces += pieces
        return nil
    }
}

extension InferenceItem {
    /// UTF-8 bytes of text this item carries (what a batch's size in bytes counts).
    var textBytes: Int {
        switch self {
        case .text(let text, _): return text.utf8.count
        case .question(let question, let context): return question.utf8.count + context.utf8.count
        }
    }
}

extension TokenPieceResult {
    /// The wire object, built directly (Codable per piece is slow on a 10,000-piece answer).
    var json: JSONValue {
        ["piece": .string(piece), "id": .int(Int64(id)), "start": .int(Int64(start)), "end": .int(Int64(end))]
    }
}
