import Foundation
import KoBERTProtocol

/// Counters for `stats`: requests and errors per method, latency percentiles over the last
/// samples, batch sizes, connections, and the process's memory.
// @unchecked: every stored `var` is read and written only under `lock`; `startedAt` is a `let`.
public final class ServerStats: @unchecked Sendable {
    private let lock = NSLock()
    private let startedAt = Date()
    private var requests: [String: Int] = [:]
    private var errors: [Int: Int] = [:]
    private var notifications = 0
    private var latencies: [String: LatencyWindow] = [:]
    private var batchSizeCounts: [Int: Int] = [:]
    private var batches = 0
    private var batchedItems = 0
    private var connectionsOpen = 0
    private var connectionsTotal = 0
    private var connectionsRejected = 0

    public init() {}

    /// The last `capacity` latencies of one method, in milliseconds.
    struct LatencyWindow {
        static let capacity = 4096
        var samples: [Double] = []
        var next = 0
        var count = 0
        mutating func add(_ ms: Double) {
            count += 1
            if samples.count < Self.capacity { samples.append(ms) } else { samples[next] = ms; next = (next + 1) % Self.capacity }
        }
        func percentile(_ sorted: [Double], _ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
            return sorted[min(max(rank, 0), sorted.count - 1)]
        }
        var json: JSONValue {
            let sorted = samples.sorted()
            return ["count": .int(Int64(count)), "window": .int(Int64(samples.count)),
                    "p50_ms": .double(percentile(sorted, 50)), "p90_ms": .double(percentile(sorted, 90)),
                    "p99_ms": .double(percentile(sorted, 99)), "max_ms": .double(sorted.last ?? 0)]
        }
    }

    private var accepted = 0
    private var inFlight = 0

    /// A request was read and handed to the dispatcher (answered later by `recordRequest`).
    public func recordAccepted() { lock.lock(); accepted += 1; inFlight += 1; lock.unlock() }

    public func recordRequest(method: String, latencySeconds: Double, error: RPCError?) {
        lock.lock(); defer { lock.unlock() }
        inFlight -= 1
        requests[method, default: 0] += 1
        if let error { errors[error.code, default: 0] += 1 }
        latencies[method, default: LatencyWindow()].add(latencySeconds * 1000)
    }

    public func recordError(_ error: RPCError) {
        lock.lock(); errors[error.code, default: 0] += 1; lock.unlock()
    }

    public func recordNotification() { lock.lock(); notifications += 1; lock.unlock() }

    public func recordBatch(size: Int) {
        lock.lock(); defer { lock.unlock() }
        batches += 1; batchedItems += size; batchSizeCounts[size, default: 0] += 1
    }

    /// Counts a new connection unless `limit` are already open.
    public func tryOpenConnection(limit: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard connectionsOpen < limit else { connectionsRejected += 1; return false }
        connectionsOpen += 1; connectionsTotal += 1
        return true
    }
    public func connectionClosed() { lock.lock(); connectionsOpen -= 1; lock.unlock() }
    /// A connection refused after it was counted open (its uid holds too many); it still closes.
    public func recordRejectedConnection() { lock.lock(); connectionsRejected += 1; lock.unlock() }


    public func snapshot(queueDepth: Int) -> JSONValue {
        lock.lock(); defer { lock.unlock() }
        let memory = ProcessMemory.read()
        let sizes = batchSizeCounts.keys.sorted()
        return [
            "uptime_seconds": .double(Date().timeIntervalSince(startedAt)),
            "requests": .object(requests.mapValues { .int(Int64($0)) }),
            "requests_total": .int(Int64(requests.values.reduce(0, +))),
            "notifications": .int(Int64(notifications)),
            "accepted_total": .int(Int64(accepted)),
            "in_flight": .int(Int64(inFlight)),
            "errors": .object(Dictionary(uniqueKeysWithValues: errors.map { (String($0.key), JSONValue.int(Int64($0.value))) })),
            "latency": .object(latencies.mapValues(\.json)),
            "queue_depth": .int(Int64(queueDepth)),
            "batches": [
                "count": .int(Int64(batches)),
                "mean_size": .double(batches == 0 ? 0 : Double(batchedItems) / Double(batches)),
                "max_size": .int(Int64(sizes.last ?? 0)),
                "sizes": .object(Dictionary(uniqueKeysWithValues: sizes.map { (String($0), JSONValue.int(Int64(batchSizeCounts[$0]!))) })),
            ],
            "connections": ["open": .int(Int64(connectionsOpen)), "total": .int(Int64(connectionsTotal)),
                            "rejected": .int(Int64(connectionsRejected))],
            "memory": ["rss_bytes": .int(Int64(memory.rss)), "peak_rss_bytes": .int(Int64(memory.peak))],
        ]
    }
}

/// Resident set size from /proc/self/status (VmRSS, VmHWM); zeros where /proc is absent.
enum ProcessMemory {
    static func read() -> (rss: Int, peak: Int) {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func kB(_ key: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
            return (Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0) * 1024
        }
        return (kB("VmRSS"), kB("VmHWM"))
    }
}
