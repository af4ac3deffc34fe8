import Foundation
import KoBERTProtocol
import Synchronization

/// Counters for `stats`: requests and errors per method, latency percentiles over the last
/// samples, batch sizes, connections, and the process's memory.
public final class ServerStats: Sendable {
    private let startedAt = Date()
    private let counters = Mutex(Counters())

    private struct Counters {
        var requests: [String: Int] = [:]
        var errors: [Int: Int] = [:]
        var notifications = 0
        var latencies: [String: LatencyWindow] = [:]
        var batchSizeCounts: [Int: Int] = [:]
        var batches = 0
        var batchedItems = 0
        var connectionsOpen = 0
        var connectionsTotal = 0
        var connectionsRejected = 0
        var accepted = 0
        var inFlight = 0
    }

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

    /// A request was read and handed to the dispatcher (answered later by `recordRequest`).
    public func recordAccepted() { counters.withLock { $0.accepted += 1; $0.inFlight += 1 } }

    public func recordRequest(method: String, latencySeconds: Double, error: RPCError?) {
        counters.withLock { c in
            c.inFlight -= 1
            c.requests[method, default: 0] += 1
            if let error { c.errors[error.code, default: 0] += 1 }
            c.latencies[method, default: LatencyWindow()].add(latencySeconds * 1000)
        }
    }

    public func recordError(_ error: RPCError) {
        counters.withLock { $0.errors[error.code, default: 0] += 1 }
    }

    public func recordNotification() { counters.withLock { $0.notifications += 1 } }

    public func recordBatch(size: Int) {
        counters.withLock { c in
            c.batches += 1; c.batchedItems += size; c.batchSizeCounts[size, default: 0] += 1
        }
    }

    /// Counts a new connection unless `limit` are already open.
    public func tryOpenConnection(limit: Int) -> Bool {
        counters.withLock { c in
            guard c.connectionsOpen < limit else { c.connectionsRejected += 1; return false }
            c.connectionsOpen += 1; c.connectionsTotal += 1
            return true
        }
    }
    public func connectionClosed() { counters.withLock { $0.connectionsOpen -= 1 } }
    /// A connection refused after it was counted open (its uid holds too many); it still closes.
    public func recordRejectedConnection() { counters.withLock { $0.connectionsRejected += 1 } }


    public func snapshot(queueDepth: Int) -> JSONValue {
        counters.withLock { c in
            let memory = ProcessMemory.read()
            let sizes = c.batchSizeCounts.keys.sorted()
            return [
                "uptime_seconds": .double(Date().timeIntervalSince(startedAt)),
                "requests": .object(c.requests.mapValues { .int(Int64($0)) }),
                "requests_total": .int(Int64(c.requests.values.reduce(0, +))),
                "notifications": .int(Int64(c.notifications)),
                "accepted_total": .int(Int64(c.accepted)),
                "in_flight": .int(Int64(c.inFlight)),
                "errors": .object(Dictionary(uniqueKeysWithValues: c.errors.map { (String($0.key), JSONValue.int(Int64($0.value))) })),
                "latency": .object(c.latencies.mapValues(\.json)),
                "queue_depth": .int(Int64(queueDepth)),
                "batches": [
                    "count": .int(Int64(c.batches)),
                    "mean_size": .double(c.batches == 0 ? 0 : Double(c.batchedItems) / Double(c.batches)),
                    "max_size": .int(Int64(sizes.last ?? 0)),
                    "sizes": .object(Dictionary(uniqueKeysWithValues: sizes.map { (String($0), JSONValue.int(Int64(c.batchSizeCounts[$0]!))) })),
                ],
                "connections": ["open": .int(Int64(c.connectionsOpen)), "total": .int(Int64(c.connectionsTotal)),
                                "rejected": .int(Int64(c.connectionsRejected))],
                "memory": ["rss_bytes": .int(Int64(memory.rss)), "peak_rss_bytes": .int(Int64(memory.peak))],
            ]
        }
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
