import ArgumentParser
import Foundation
import KoBERTCore
import KoBERTModel
import KoBERTRuntime

/// `kobert bench`: time forward passes of a model (folder = fp32, .kbt = packed) on random token ids.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time forward passes on random token ids: median and p90 milliseconds.",
        discussion: """
        Each pass runs the encoder and the model's head on `batch` sequences of `seq-len` ids
        ([CLS] … [SEP] around seeded random ids). Warm-up passes are not counted.

        --profile then runs --iterations more passes with the encoder's stage clocks on and prints the milliseconds per pass of each stage, summed over layers and averaged over passes: each product shape with its GMAC/s per core (divided by --threads), activation quantization, softmax, LayerNorm, embeddings, the head, and "other" (the rest of the measured pass: output copies, validation, thread hand-offs), so the rows add up to the pass. Attention's three parts run side by side on the workers; their wall time is split in proportion to the workers' time in each. GELU appears apart only where it is not fused into FFN up (gelu_new). --floor-gmacs N (GMAC/s per core, e.g. from an instruction microbenchmark) adds "× floor" to int8 products: their time over the time at N GMAC/s on every core (1.0 = at the floor).

        Limits: batch × seq-len ≤ \(BenchCommand.maxTokens) tokens per pass, --iterations
        1…\(BenchCommand.maxIterations), --warmup 0…\(BenchCommand.maxWarmup), --threads 1…\(BenchCommand.maxThreads).

        Examples:
          kobert bench --model models/nsmc.kbt --seq-len 128
          kobert bench --model /tmp/full/distilkobert-seqcls-legacy --seq-len 64 --json
          kobert bench --model models/nsmc.kbt --seq-len 128 --profile --floor-gmacs 98
        """)

    @Option(help: "Checkpoint folder (fp32) or packed .kbt file.")
    var model: String

    @Option(name: .customLong("seq-len"), help: "Tokens per sequence, [CLS] and [SEP] included.")
    var seqLen: Int

    @Option(help: "Sequences per forward pass.")
    var batch: Int = 1

    @Option(help: "Cores the forward pass may use.")
    var threads: Int = 2

    @Option(help: "Timed forward passes.")
    var iterations: Int = 50

    @Option(help: "Untimed passes first.")
    var warmup: Int = 5

    @Flag(help: "Print {\"median_ms\", \"p90_ms\", \"seq_len\", \"batch\", \"threads\", \"load_ms\"} as JSON (with --profile also \"profile\": {\"passes\", \"threads\", \"total_ms\", \"floor_gmacs\", \"rows\": [{\"stage\", \"ms\", \"share\", \"gmac\", \"int8\", \"gmacs_per_core\", \"floor_ratio\"}]}; the last two only where they apply).")
    var json = false

    @Flag(help: "After the timing, profile --iterations more passes stage by stage.")
    var profile = false

    @Option(name: .customLong("floor-gmacs"), help: "With --profile: int8 GMAC/s per core to compare products with.")
    var floorGMACs: Double?

    static let maxTokens = 65_536
    static let maxIterations = 100_000
    static let maxWarmup = 10_000
    static let maxThreads = 1_024

    func validate() throws {
        guard seqLen >= 2 else { throw ValidationError("--seq-len must be at least 2 ([CLS] and [SEP])") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1 (got \(batch))") }
        let (tokens, overflow) = batch.multipliedReportingOverflow(by: seqLen)
        guard !overflow, tokens <= Self.maxTokens else {
            throw ValidationError("--batch × --seq-len must be at most \(Self.maxTokens) tokens per pass (got \(batch) × \(seqLen))")
        }
        guard (1...Self.maxThreads).contains(threads) else {
            throw ValidationError("--threads must be 1…\(Self.maxThreads) (got \(threads))")
        }
        guard (1...Self.maxIterations).contains(iterations) else {
            throw ValidationError("--iterations must be 1…\(Self.maxIterations) (got \(iterations))")
        }
        guard (0...Self.maxWarmup).contains(warmup) else {
            throw ValidationError("--warmup must be 0…\(Self.maxWarmup) (got \(warmup))")
        }
        if let floorGMACs {
            guard profile else { throw ValidationError("--floor-gmacs needs --profile") }
            guard floorGMACs.isFinite, floorGMACs > 0, floorGMACs <= 1e6 else {
                throw ValidationError("--floor-gmacs must be a positive GMAC/s per core, at most 1e6 (got \(floorGMACs))")
            }
        }
    }

    func run() throws {
        do {
            let loadStart = DispatchTime.now()
            let predictor = try ModelLoader.load(path: model, task: nil, threads: threads)
            let loadMs = milliseconds(since: loadStart)
            guard seqLen <= predictor.encoder.maxSequenceLength else {
                throw KoBERTError("\(model): --seq-len \(seqLen) exceeds the model's \(predictor.encoder.maxSequenceLength) positions")
            }
            let ids = randomIds(vocabulary: predictor.encoder.vocabularySize)
            for _ in 0..<warmup { try forward(predictor, ids) }
            var times: [Double] = []
            for _ in 0..<iterations {
                let start = DispatchTime.now()
                try forward(predictor, ids)
                times.append(milliseconds(since: start))
            }
            times.sort()
            let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
            let p90 = times[min(times.count - 1, Int((Double(times.count) * 0.9).rounded(.up)) - 1)]
            let report = profile ? try profiled(predictor, ids) : nil
            if json {
                let timing = String(format: "{\"median_ms\": %.3f, \"p90_ms\": %.3f, \"seq_len\": %d, \"batch\": %d, \"threads\": %d, \"load_ms\": %.1f",
                                    median, p90, seqLen, batch, threads, loadMs)
                print(timing + (try report.map { ", \"profile\": " + (try profileJSON($0)) } ?? "") + "}")
            } else {
                print(String(format: "%@: seq-len %d, batch %d, %d threads, %d passes: median %.2f ms, p90 %.2f ms (loaded in %.1f ms)",
                             model, seqLen, batch, threads, iterations, median, p90, loadMs))
                if let report { print(profileTable(report), terminator: "") }
            }
        } catch let error as KoBERTError {
            FileHandle.standardError.write(Data("kobert bench: error: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// --iterations passes with the encoder's stage clocks on; the clocks are off again afterwards.
    private func profiled(_ predictor: Predictor, _ ids: [[Int]]) throws -> ForwardProfile {
        let profiler = ForwardProfiler()
        predictor.encoder.profiler = profiler
        defer { predictor.encoder.profiler = nil }
        for _ in 0..<iterations { try profiler.measure { try forward(predictor, ids) } }
        return profiler.report(threads: threads, floorGMACs: floorGMACs)
    }

    private func profileJSON(_ report: ForwardProfile) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// One line per stage; stages this model never ran (no time, no products) are left out of the table only.
    private func profileTable(_ report: ForwardProfile) -> String {
        var text = String(format: "profile: %d passes, %.3f ms per pass, GMAC/s per core over %d threads", report.passes,
                          report.totalMs, report.threads)
        if let floor = report.floorGMACs { text += String(format: ", × floor at %.1f GMAC/s per core", floor) }
        text += "\n" + "stage".padding(toLength: 28, withPad: " ", startingAt: 0)
            + "       ms   share      GMAC  GMAC/s/core  type  × floor\n"
        for row in report.rows where row.ms != 0 || row.gmac != 0 || row.stage == "other" {
            text += row.stage.padding(toLength: 28, withPad: " ", startingAt: 0)
            text += String(format: " %8.3f  %5.1f%%", row.ms, row.share * 100)
            if let perCore = row.gmacsPerCore {
                text += String(format: "  %8.4f  %11.1f  %@", row.gmac, perCore, row.int8 ? "int8" : "fp32")
                text += row.floorRatio.map { String(format: "  %7.2f", $0) } ?? ""
            }
            text += "\n"
        }
        return text
    }

    /// One pass through the encoder and the task's head.
    private func forward(_ predictor: Predictor, _ ids: [[Int]]) throws {
        switch predictor.task {
        case .nsmc: _ = try predictor.classify(ids: ids)
        case .ner: _ = try predictor.ner(ids: ids)
        case .qa: _ = try predictor.answer(ids: ids)
        case .embed: _ = try predictor.embed(ids: ids, pooling: .cls)
        }
    }

    /// [CLS]=2, ids from a fixed seed in 5 ..< vocabulary, [SEP]=3 — the same every run.
    private func randomIds(vocabulary: Int) -> [[Int]] {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let low = min(5, vocabulary - 1)
        return (0..<batch).map { _ in
            [2] + (0..<(seqLen - 2)).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return low + Int((state >> 33) % UInt64(vocabulary - low))
            } + [3]
        }
    }

    private func milliseconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }
}
