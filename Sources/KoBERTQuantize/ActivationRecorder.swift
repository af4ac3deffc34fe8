import Foundation
import Synchronization
import KoBERTCore
import KoBERTKernels
import KoBERTModel
import KoBERTFormat
import KoBERTRuntime

/// Runs the fp32 model with every Linear wrapped so it records the largest |x| of each input
/// channel it sees: the activation statistics that outlier-aware (SmoothQuant-style) scaling needs.
final class ActivationRecorder: Sendable {
    private let maxima = Mutex<[String: [Float]]>([:])

    /// Per Linear prefix, max |x_k| over all calibration tokens.
    var channelMaxima: [String: [Float]] {
        maxima.withLock { $0 }
    }

    func record(_ prefix: String, _ input: UnsafePointer<Float>, rows: Int, columns: Int) {
        var local = [Float](repeating: 0, count: columns)
        for r in 0..<rows {
            for k in 0..<columns { local[k] = max(local[k], abs(input[r * columns + k])) }
        }
        maxima.withLock { maxima in
            if let seen = maxima[prefix] {
                maxima[prefix] = zip(seen, local).map { max($0, $1) }
            } else {
                maxima[prefix] = local
            }
        }
    }

    /// A view of `base` whose linears report their inputs here.
    func watching(_ base: any WeightStore) -> any WeightStore { RecordingWeights(base: base, recorder: self) }
}

private struct RecordingWeights: WeightStoreWrapper {
    let base: any WeightStore
    let recorder: ActivationRecorder
    func linear(_ prefix: String) throws -> any LinearOperator {
        RecordingLinear(inner: try base.linear(prefix), prefix: prefix, recorder: recorder)
    }
}

private struct RecordingLinear: LinearOperator {
    let inner: any LinearOperator
    let prefix: String
    let recorder: ActivationRecorder
    var inFeatures: Int { inner.inFeatures }
    var outFeatures: Int { inner.outFeatures }
    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
               activation: FusedActivation, threads: Int) {
        recorder.record(prefix, input, rows: rows, columns: inFeatures)
        inner.apply(input, rows: rows, into: output, activation: activation, threads: threads)
    }
}
