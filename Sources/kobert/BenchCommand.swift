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
        Limits: batch × seq-len ≤ \(BenchCommand.maxTokens) tokens per pass, --iterations
        1…\(BenchCommand.maxIterations), --warmup 0…\(BenchCommand.maxWarmup), --threads 1…\(BenchCommand.maxThreads).

        Examples:
          kobert bench --model models/nsmc.kbt --seq-len 128
          kobert bench --model /tmp/full/distilkobert-seqcls-legacy --seq-len 64 --json
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

    @Flag(help: "Print {\"median_ms\", \"p90_ms\", \"seq_len\", \"batch\", \"threads\", \"load_ms\"} as JSON.")
    var json = false

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
            if json {
                print(String(format: "{\"median_ms\": %.3f, \"p90_ms\": %.3f, \"seq_len\": %d, \"batch\": %d, \"threads\": %d, \"load_ms\": %.1f}",
                             median, p90, seqLen, batch, threads, loadMs))
            } else {
                print(String(format: "%@: seq-len %d, batch %d, %d threads, %d passes: median %.2f ms, p90 %.2f ms (loaded in %.1f ms)",
                             model, seqLen, batch, threads, iterations, median, p90, loadMs))
            }
        } catch let error as KoBERTError {
            FileHandle.standardError.write(Data("kobert bench: error: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
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
