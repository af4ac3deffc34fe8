import Foundation
import KoBERTCore
import KoBERTKernels
import KoBERTModel
import KoBERTFormat
import KoBERTRuntime

/// Runs the fp32 model and the packed one side by side on the same token ids and measures how
/// far apart they are: the quantization report stored in the manifest and printed by the quantizer.
public struct Calibration {
    public let reference: any WeightStore
    public let candidate: any WeightStore
    public let task: ModelTask
    public let threads: Int

    public init(reference: any WeightStore, candidate: any WeightStore, task: ModelTask, threads: Int = 2) {
        self.reference = reference; self.candidate = candidate; self.task = task; self.threads = threads
    }

    /// Per sentence, the outputs that are compared: one row per logit vector
    /// (one row per sentence for nsmc and embed, one per token for ner and qa).
    static func outputs(_ predictor: Predictor, task: ModelTask, _ sequences: [[Int]]) throws -> [[[Float]]] {
        var all: [[[Float]]] = []
        for ids in sequences {   // one at a time: the same path a served request takes
            switch task {
            case .nsmc: all.append(try predictor.classify(ids: [ids]).map(\.logits))
            case .ner: all.append(try predictor.ner(ids: [ids])[0].logits)
            case .qa:
                let answer = try predictor.answer(ids: [ids])[0]
                all.append(zip(answer.startLogits, answer.endLogits).map { [$0, $1] })
            case .embed:
                let cls = try predictor.embed(ids: [ids], pooling: .cls)[0]
                let mean = try predictor.embed(ids: [ids], pooling: .mean)[0]
                all.append([cls.vectorValue, mean.vectorValue])
            }
        }
        return all
    }

    public func measure(_ sequences: [[Int]], source: String, mode: PackMode, keptFloat: [String],
                        smoothing: Float? = nil, layerSample: Int = 8) throws -> QuantizationReport {
        let fp32 = try Predictor(weights: reference, task: task, threads: threads)
        let packed = try Predictor(weights: candidate, task: task, threads: threads)
        let expected = try Self.outputs(fp32, task: task, sequences)
        let actual = try Self.outputs(packed, task: task, sequences)
        var agree = 0, compared = 0
        var maxError = 0.0, errorSum = 0.0, errorCount = 0
        var cosines: [Double] = [], pooledCosines: [Double] = []
        for (want, got) in zip(expected, actual) {
            // For embed the first row is [CLS] (the cosine reported); the second is the mean pooling.
            let rowsForCosine = task == .embed ? [want[0]] : want
            let gotForCosine = task == .embed ? [got[0]] : got
            cosines.append(cosine(rowsForCosine.flatMap { $0 }, gotForCosine.flatMap { $0 }))
            if task == .embed { pooledCosines.append(cosine(want[1], got[1])) }
            for (w, g) in zip(want, got) {
                if task != .embed {
                    compared += 1
                    if argmax(w) == argmax(g) { agree += 1 }
                }
                for (a, b) in zip(w, g) {
                    let e = Double(abs(a - b))
                    maxError = max(maxError, e); errorSum += e; errorCount += 1
                }
            }
        }
        return QuantizationReport(
            mode: mode.rawValue, keptFloat: keptFloat, calibrationSource: source, sentences: sequences.count,
            smoothing: smoothing,
            argmaxAgreement: task == .embed ? nil : Double(agree) / Double(max(compared, 1)),
            maxLogitError: maxError, meanLogitError: errorSum / Double(max(errorCount, 1)),
            meanCosine: cosines.reduce(0, +) / Double(max(cosines.count, 1)), worstCosine: cosines.min() ?? 1,
            pooledMeanCosine: pooledCosines.isEmpty ? nil : pooledCosines.reduce(0, +) / Double(pooledCosines.count),
            pooledWorstCosine: pooledCosines.min(),
            layerErrors: try layerErrors(Array(sequences.prefix(layerSample))))
    }

    /// Mean relative error of the hidden states after 0…numLayers layers, from encoders cut short.
    func layerErrors(_ sequences: [[Int]]) throws -> [Double] {
        let batch = sequences.map { TokenSequence(ids: $0) }
        guard !batch.isEmpty else { return [] }
        return try (0...reference.config.numLayers).map { depth in
            let want = try Encoder(FirstLayers(reference, depth)).forward(batch, threads: threads)
            let got = try Encoder(FirstLayers(candidate, depth)).forward(batch, threads: threads)
            var total = 0.0
            for i in batch.indices {
                let w = Array(want.sequence(i)), g = Array(got.sequence(i))
                var difference = 0.0, norm = 0.0
                for (a, b) in zip(w, g) { difference += Double((a - b) * (a - b)); norm += Double(a * a) }
                total += (difference / max(norm, 1e-30)).squareRoot()
            }
            return total / Double(batch.count)
        }
    }
}

/// A view of a store whose configuration stops after `depth` transformer layers.
struct FirstLayers: WeightStoreWrapper {
    let base: any WeightStore
    let config: ModelConfig
    init(_ base: any WeightStore, _ depth: Int) {
        self.base = base
        var config = base.config
        config.numLayers = depth
        self.config = config
    }
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) { dot += Double(x) * Double(y); na += Double(x) * Double(x); nb += Double(y) * Double(y) }
    if na == 0 && nb == 0 { return 1 }
    return dot / max((na * nb).squareRoot(), 1e-30)
}


extension Embedding {
    /// The pooled vector (cls / mean pooling give one vector).
    var vectorValue: [Float] {
        switch embedding {
        case .vector(let v): return v
        case .matrix(let rows): return rows.first ?? []
        }
    }
}
