import Foundation
import KoBERTCore
import KoBERTKernels

/// One post-LN transformer block, the same in BERT, RoBERTa and DistilBERT up to weight names:
/// x ← LN(x + Attention(x)); x ← LN(x + FFN(x)).
struct TransformerLayer {
    let query, key, value, attentionOutput: any LinearOperator
    let attentionNorm: LayerNorm
    let intermediate, output: any LinearOperator
    let outputNorm: LayerNorm
    let attention: SelfAttention
    let activation: ModelConfig.Activation

    /// Weight names of one layer in each architecture.
    struct Names {
        let query, key, value, attentionOutput, attentionNorm, intermediate, output, outputNorm: String

        init(_ architecture: ModelConfig.Architecture, layer: Int) {
            switch architecture {
            case .distilbert:
                let p = "transformer.layer.\(layer)."
                query = p + "attention.q_lin"; key = p + "attention.k_lin"; value = p + "attention.v_lin"
                attentionOutput = p + "attention.out_lin"; attentionNorm = p + "sa_layer_norm"
                intermediate = p + "ffn.lin1"; output = p + "ffn.lin2"; outputNorm = p + "output_layer_norm"
            case .bert, .roberta:
                let p = "encoder.layer.\(layer)."
                query = p + "attention.self.query"; key = p + "attention.self.key"; value = p + "attention.self.value"
                attentionOutput = p + "attention.output.dense"; attentionNorm = p + "attention.output.LayerNorm"
                intermediate = p + "intermediate.dense"; output = p + "output.dense"; outputNorm = p + "output.LayerNorm"
            }
        }
    }

    init(_ weights: any WeightStore, layer: Int) throws {
        let config = weights.config
        let names = Names(config.architecture, layer: layer)
        let h = config.hiddenSize, ffn = config.intermediateSize
        query = try checkedLinear(weights, names.query, out: h, in: h)
        key = try checkedLinear(weights, names.key, out: h, in: h)
        value = try checkedLinear(weights, names.value, out: h, in: h)
        attentionOutput = try checkedLinear(weights, names.attentionOutput, out: h, in: h)
        attentionNorm = try LayerNorm(weights, prefix: names.attentionNorm, dim: h, epsilon: config.layerNormEps)
        intermediate = try checkedLinear(weights, names.intermediate, out: ffn, in: h)
        output = try checkedLinear(weights, names.output, out: h, in: ffn)
        outputNorm = try LayerNorm(weights, prefix: names.outputNorm, dim: h, epsilon: config.layerNormEps)
        attention = SelfAttention(heads: config.numHeads, hiddenSize: h)
        activation = config.activation
    }

    /// Transforms `workspace.hidden` (batch.rows × hidden) in place. `profiler`: nil except under
    /// `kobert bench --profile`; each stage then checks it once.
    func forward(_ workspace: Workspace, batch: PackedBatch, threads: Int, profiler: ForwardProfiler? = nil) {
        let rows = batch.rows, x = workspace.hidden
        project(query, .qkvProjection, x, rows: rows, into: workspace.query, activation: .none, threads: threads, profiler)
        project(key, .qkvProjection, x, rows: rows, into: workspace.key, activation: .none, threads: threads, profiler)
        project(value, .qkvProjection, x, rows: rows, into: workspace.value, activation: .none, threads: threads, profiler)
        attention.apply(query: workspace.query, key: workspace.key, value: workspace.value,
                        into: workspace.context, batch: batch, scores: workspace.scores, threads: threads, profiler: profiler)
        project(attentionOutput, .attentionOutput, workspace.context, rows: rows, into: workspace.attended, activation: .none,
                threads: threads, profiler)
        timed(profiler, .layerNorm) { attentionNorm.apply(workspace.attended, adding: x, rows: rows) }

        switch activation {
        case .gelu:
            project(intermediate, .ffnUp, workspace.attended, rows: rows, into: workspace.intermediate, activation: .gelu,
                    threads: threads, profiler)
        case .relu:
            project(intermediate, .ffnUp, workspace.attended, rows: rows, into: workspace.intermediate, activation: .relu,
                    threads: threads, profiler)
        case .geluNew:
            project(intermediate, .ffnUp, workspace.attended, rows: rows, into: workspace.intermediate, activation: .none,
                    threads: threads, profiler)
            timed(profiler, .gelu) { applyTanhGELU(workspace.intermediate, count: rows * intermediate.outFeatures) }
        }
        project(output, .ffnDown, workspace.intermediate, rows: rows, into: x, activation: .none, threads: threads, profiler)
        timed(profiler, .layerNorm) { outputNorm.apply(x, adding: workspace.attended, rows: rows) }
    }
}

/// Profiling hook: `linear.apply` as is, or timed by the profiler when one is set.
@inline(__always)
func project(_ linear: any LinearOperator, _ stage: ForwardProfiler.Stage, _ input: UnsafePointer<Float>, rows: Int,
             into output: UnsafeMutablePointer<Float>, activation: FusedActivation, threads: Int,
             _ profiler: ForwardProfiler?) {
    if let profiler {
        profiler.linear(linear, stage, input, rows: rows, into: output, activation: activation, threads: threads)
    } else {
        linear.apply(input, rows: rows, into: output, activation: activation, threads: threads)
    }
}

/// Profiling hook: runs `body`, timed as `stage` when a profiler is set.
@inline(__always)
func timed<R>(_ profiler: ForwardProfiler?, _ stage: ForwardProfiler.Stage, _ body: () -> R) -> R {
    guard let profiler else { return body() }
    return profiler.time(stage, body)
}

/// A Linear whose shape is checked against the configuration, with an error naming the tensor.
func checkedLinear(_ weights: any WeightStore, _ prefix: String, out: Int, in inFeatures: Int) throws -> any LinearOperator {
    let linear = try weights.linear(prefix)
    guard linear.outFeatures == out, linear.inFeatures == inFeatures else {
        throw KoBERTError("\(weights.source): tensor \(prefix).weight has shape [\(linear.outFeatures), \(linear.inFeatures)], expected [\(out), \(inFeatures)]")
    }
    return linear
}

/// "gelu_new": the tanh approximation some BERT configs name (0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))).
func applyTanhGELU(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let c = (2 / Float.pi).squareRoot()
    for i in 0..<count {
        let v = x[i]
        x[i] = 0.5 * v * (1 + tanhf(c * (v + 0.044715 * v * v * v)))
    }
}
