import ArgumentParser
import Foundation
import KoBERTClient
import KoBERTProtocol

/// `kobert bench-server`: load on a running kobertd from N concurrent clients sending NSMC
/// reviews (one text per request). Closed loop by default (each client waits for its answer);
/// `--rate` sends at a fixed total rate instead (open loop, to read latency at a given load).
/// Reports requests/s, client-side p50/p99 latency, and the daemon's batch sizes and RSS.
struct ClientBenchServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-server",
        abstract: "Load-test kobertd with NSMC reviews (stdin: one a line, or the dev .tsv).",
        discussion: "zstd -dc ../shared/data/nsmc/dev.tsv.zst | kobert bench-server --clients 16 --requests 2000")
    @OptionGroup var options: ClientOptions
    @Option(help: "Concurrent connections.") var clients = 16
    @Option(help: "Requests in all.") var requests = 2000
    @Option(help: "Total requests per second (open loop); 0: as fast as answers come (closed loop).") var rate: Double = 0
    @Option(help: "The method to call.") var method = "nsmc"

    func validate() throws {
        guard clients >= 1 && clients <= 10_000 else { throw ValidationError("--clients \(clients): must be between 1 and 10000") }
        guard requests >= 1 else { throw ValidationError("--requests \(requests): must be ≥ 1") }
        guard rate.isFinite && rate >= 0 else { throw ValidationError("--rate \(rate): must be a finite number ≥ 0") }
    }

    func run() async throws {
        var lines: [String] = []
        while let line = readLine() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            let text = fields.count >= 3 ? String(fields[1]) : line   // id, document, label
            if !text.isEmpty && text != "document" { lines.append(text) }
        }
        let reviews = lines   // a `let`, so the load tasks can share it
        guard !reviews.isEmpty else { throw ValidationError("no reviews on stdin") }
        try await runClient {
            let connections = try (0..<max(1, clients)).map { _ in try options.connect() }
            defer { connections.forEach { $0.close() } }
            let before = try await connections[0].stats()
            let recorder = LatencyRecorder()
            let started = Date()
            let total = requests, method = self.method
            try await withThrowingTaskGroup(of: Void.self) { group in
                if rate > 0 {
                    let interval = 1.0 / rate
                    for i in 0..<total {
                        let due = started.addingTimeInterval(Double(i) * interval)
                        let wait = due.timeIntervalSinceNow
                        if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
                        let client = connections[i % connections.count], text = reviews[i % reviews.count]
                        group.addTask { await recorder.time { try await client.call(method, params: ["texts": [.string(text)]]) } }
                    }
                } else {
                    for (c, client) in connections.enumerated() {
                        group.addTask {
                            var i = c
                            while i < total {
                                let text = reviews[i % reviews.count]
                                await recorder.time { try await client.call(method, params: ["texts": [.string(text)]]) }
                                i += connections.count
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = Date().timeIntervalSince(started)
            let after = try await connections[0].stats()
            let summary = await recorder.summary(elapsed: elapsed)
            let batchesRun = (after["batches"]?["count"]?.intValue ?? 0) - (before["batches"]?["count"]?.intValue ?? 0)
            var report = summary
            report["clients"] = .int(Int64(clients))
            report["mode"] = .string(rate > 0 ? "open loop at \(rate) req/s" : "closed loop")
            report["batches_run"] = .int(batchesRun)
            report["mean_batch_size"] = .double(batchesRun > 0 ? Double(summary["ok"]?.intValue ?? 0) / Double(batchesRun) : 0)
            report["server_max_batch"] = after["batches"]?["max_size"] ?? .null
            report["server_rss_bytes"] = after["memory"]?["rss_bytes"] ?? .null
            report["server_peak_rss_bytes"] = after["memory"]?["peak_rss_bytes"] ?? .null
            if options.json { print(JSONValue.object(report).jsonString) } else { printOutline(.object(report), indent: "") }
        }
    }
}

/// Client-side latencies and error counts, shared by the load tasks.
actor LatencyRecorder {
    private var latencies: [Double] = []
    private var errors: [String: Int] = [:]

    func time(_ call: @Sendable () async throws -> JSONValue) async {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            _ = try await call()
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        } catch let e as RPCError {
            errors[String(e.code), default: 0] += 1
        } catch {
            errors["\(error)", default: 0] += 1
        }
    }

    func summary(elapsed: Double) -> [String: JSONValue] {
        let sorted = latencies.sorted()
        func p(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)] }
        return ["ok": .int(Int64(sorted.count)), "errors": .object(errors.mapValues { .int(Int64($0)) }),
                "seconds": .double(elapsed), "requests_per_second": .double(Double(sorted.count) / elapsed),
                "p50_ms": .double(p(0.50)), "p99_ms": .double(p(0.99)), "max_ms": .double(sorted.last ?? 0)]
    }
}
