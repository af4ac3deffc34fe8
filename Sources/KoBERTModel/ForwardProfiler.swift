import Foundation
import KoBERTKernels

/// Opt-in wall-clock time per stage of a forward pass (`kobert bench --profile`).
/// An encoder measures only when its `profiler` is set, so the serving path pays one nil test per stage
/// boundary and nothing else. A profiler belongs to one encoder and one caller: forwards that record into
/// the same profiler must not overlap (the bench runs them one after another; kobertd never sets one).
// @unchecked: confined to one caller at a time (above); the encoder's worker threads write only their own
// `workerStride`-spaced slot of `workerNanos` and the region joins before the caller reads it.
public final class ForwardProfiler: @unchecked Sendable {
    /// The rows of the profile, in the order a forward meets them.
    public enum Stage: Int, CaseIterable, Sendable {
        case embeddings, qkvProjection, attentionScores, softmax, attentionContext, attentionOutput
        case ffnUp, gelu, ffnDown, activationQuantization, layerNorm, head

        public var name: String {
            switch self {
            case .embeddings: return "embeddings (lookup + add)"
            case .qkvProjection: return "QKV projection"
            case .attentionScores: return "attention scores Q·Kᵀ"
            case .softmax: return "softmax"
            case .attentionContext: return "attention context P·V"
            case .attentionOutput: return "attention output"
            case .ffnUp: return "FFN up (+ fused bias/GELU)"
            case .gelu: return "GELU (tanh, unfused)"
            case .ffnDown: return "FFN down"
            case .activationQuantization: return "activation quantization"
            case .layerNorm: return "LayerNorm (+ residual)"
            case .head: return "head"
            }
        }
    }

    private var nanos = [UInt64](repeating: 0, count: Stage.allCases.count)
    private var macs = [UInt64](repeating: 0, count: Stage.allCases.count)
    private var int8 = [Bool](repeating: false, count: Stage.allCases.count)
    /// Where `measure` timed the whole pass: the reference the stages are shares of.
    private var totalNanos: UInt64 = 0
    private var passes = 0
    /// Per attention worker: scores, softmax, context nanoseconds; one cache line each so workers do not share one.
    private var workerNanos = UnsafeMutablePointer<UInt64>.allocate(capacity: 0)
    private var workerCapacity = 0
    private static let workerStride = 8

    public init() {}

    deinit { workerNanos.deallocate() }

    @inline(__always) static func clock() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Runs one whole pass (encoder and head) and counts its wall time as the total the stages divide.
    public func measure<R>(_ pass: () throws -> R) rethrows -> R {
        let start = Self.clock()
        defer { totalNanos += Self.clock() - start; passes += 1 }
        return try pass()
    }

    func add(_ stage: Stage, _ elapsed: UInt64) { nanos[stage.rawValue] += elapsed }

    /// Times a stage with no multiply-accumulates of its own.
    @inline(__always) func time<R>(_ stage: Stage, _ body: () -> R) -> R {
        let start = Self.clock()
        defer { nanos[stage.rawValue] += Self.clock() - start }
        return body()
    }

    /// One Linear, split at the boundary between activation quantization and the int8 product.
    func linear(_ linear: any LinearOperator, _ stage: Stage, _ input: UnsafePointer<Float>, rows: Int,
                into output: UnsafeMutablePointer<Float>, activation: FusedActivation, threads: Int) {
        let start = Self.clock()
        if let quantized = linear as? Int8Linear {
            var quantizedAt = start
            quantized.apply(input, rows: rows, into: output, activation: activation, threads: threads,
                            afterQuantization: { quantizedAt = Self.clock() })
            let end = Self.clock()
            nanos[Stage.activationQuantization.rawValue] += quantizedAt - start
            nanos[stage.rawValue] += end - quantizedAt
            int8[stage.rawValue] = true
        } else {
            linear.apply(input, rows: rows, into: output, activation: activation, threads: threads)
            nanos[stage.rawValue] += Self.clock() - start
        }
        macs[stage.rawValue] += UInt64(rows * linear.inFeatures * linear.outFeatures)
    }

    /// Zeroed per-worker slots for one attention call.
    func attentionWorkers(_ workers: Int) -> UnsafeMutablePointer<UInt64> {
        let needed = max(1, workers) * Self.workerStride
        if needed > workerCapacity {
            workerNanos.deallocate()
            workerNanos = .allocate(capacity: needed)
            workerCapacity = needed
        }
        workerNanos.initialize(repeating: 0, count: needed)
        return workerNanos
    }

    @inline(__always) static func workerSlot(_ slots: UnsafeMutablePointer<UInt64>, _ worker: Int) -> UnsafeMutablePointer<UInt64> {
        slots + worker * workerStride
    }

    /// Splits the wall time of one attention call over its three parts in proportion to the time the workers
    /// spent in each (they run side by side, so their sums are core time, not wall time).
    func finishAttention(wall: UInt64, workers: Int, scoreMACs: Int, contextMACs: Int) {
        var parts: [UInt64] = [0, 0, 0]
        for w in 0..<max(1, workers) {
            for p in 0..<3 { parts[p] += workerNanos[w * Self.workerStride + p] }
        }
        let busy = parts.reduce(0, +)
        let scores = busy == 0 ? 0 : UInt64(Double(wall) * Double(parts[0]) / Double(busy))
        let softmax = busy == 0 ? 0 : UInt64(Double(wall) * Double(parts[1]) / Double(busy))
        nanos[Stage.attentionScores.rawValue] += scores
        nanos[Stage.softmax.rawValue] += softmax
        nanos[Stage.attentionContext.rawValue] += wall - min(wall, scores + softmax)
        macs[Stage.attentionScores.rawValue] += UInt64(scoreMACs)
        macs[Stage.attentionContext.rawValue] += UInt64(contextMACs)
    }

    /// The profile so far, averaged over the passes `measure` timed. `threads`: the cores the passes were
    /// given (GMAC/s per core divides by it); `floorGMACs`: an int8 GMAC/s-per-core floor for the ratio column.
    public func report(threads: Int, floorGMACs: Double? = nil) -> ForwardProfile {
        let count = Double(max(1, passes))
        let total = Double(totalNanos) / count / 1e6
        var rows: [ForwardProfile.Row] = []
        var staged = 0.0
        for stage in Stage.allCases {
            let ms = Double(nanos[stage.rawValue]) / count / 1e6
            let gmacs = Double(macs[stage.rawValue]) / count / 1e9
            staged += ms
            let perCore = gmacs > 0 && ms > 0 ? gmacs / (ms / 1e3) / Double(max(1, threads)) : nil
            let floorRatio = int8[stage.rawValue] ? floorGMACs.flatMap { floor in perCore.map { floor / $0 } } : nil
            rows.append(.init(stage: stage.name, ms: ms, gmac: gmacs, gmacsPerCore: perCore,
                              int8: int8[stage.rawValue], floorRatio: floorRatio, share: total > 0 ? ms / total : 0))
        }
        let other = total - staged
        rows.append(.init(stage: "other", ms: other, gmac: 0, gmacsPerCore: nil, int8: false, floorRatio: nil,
                          share: total > 0 ? other / total : 0))
        return ForwardProfile(passes: passes, threads: threads, totalMs: total, floorGMACs: floorGMACs, rows: rows)
    }
}

/// Time per stage of one forward pass, averaged over the profiled passes; the rows add up to `totalMs`.
public struct ForwardProfile: Codable, Sendable {
    public struct Row: Codable, Sendable {
        public let stage: String
        /// Milliseconds per pass, summed over layers.
        public let ms: Double
        /// Giga multiply-accumulates per pass (0 for stages without a product).
        public let gmac: Double
        /// GMAC/s divided by the threads given, where the stage has products.
        public let gmacsPerCore: Double?
        /// Whether the product ran in int8.
        public let int8: Bool
        /// floor / achieved GMAC/s per core (1 = at the floor), int8 products only, when a floor is given.
        public let floorRatio: Double?
        /// ms / totalMs.
        public let share: Double
    }
    public let passes: Int
    public let threads: Int
    public let totalMs: Double
    public let floorGMACs: Double?
    public let rows: [Row]
}
