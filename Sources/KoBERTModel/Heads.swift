import Foundation
import KoBERTCore
import KoBERTKernels

/// DistilBertForSequenceClassification: pre_classifier → ReLU → classifier on the first token.
/// BertForSequenceClassification: pooler (dense → tanh) → classifier on the first token.
/// RobertaForSequenceClassification (and XLM-R's): classifier.dense → tanh → classifier.out_proj on
/// the first token (<s>); the encoder's own pooler is not used. Dropout is off at inference.
package struct SequenceClassifier {
    let pooler: any LinearOperator
    let poolerActivation: PoolerActivation
    let classifier: any LinearOperator
    enum PoolerActivation { case relu, tanh }

    package var labelCount: Int { classifier.outFeatures }

    init(_ weights: any WeightStore) throws {
        let h = weights.config.hiddenSize
        switch weights.config.architecture {
        case .distilbert:
            pooler = try checkedLinear(weights, "pre_classifier", out: h, in: h); poolerActivation = .relu
        case .bert:
            pooler = try checkedLinear(weights, "pooler.dense", out: h, in: h); poolerActivation = .tanh
        case .roberta:
            pooler = try checkedLinear(weights, "classifier.dense", out: h, in: h); poolerActivation = .tanh
        }
        classifier = try headLinear(weights, weights.config.labelLinearName(sequenceClassification: true), in: h)
    }

    /// The pooled first-token vector of each sequence (BERT's pooler_output; RoBERTa's head before
    /// out_proj), count × hidden.
    func pooled(_ output: EncoderOutput, threads: Int) -> [Float] {
        let h = output.hiddenSize, count = output.lengths.count
        var first = [Float](); first.reserveCapacity(count * h)
        for i in 0..<count { first.append(contentsOf: output.vector(i, 0)) }
        var pooled = [Float](repeating: 0, count: count * h)
        guard count > 0 else { return pooled }
        first.withUnsafeBufferPointer { input in
            pooled.withUnsafeMutableBufferPointer { out in
                switch poolerActivation {
                case .relu: pooler.apply(input.baseAddress!, rows: count, into: out.baseAddress!, activation: .relu, threads: threads)
                case .tanh:
                    pooler.apply(input.baseAddress!, rows: count, into: out.baseAddress!, activation: .none, threads: threads)
                    for j in 0..<out.count { out[j] = tanhf(out[j]) }
                }
            }
        }
        return pooled
    }

    /// logits for each sequence, from its first token.
    package func logits(_ output: EncoderOutput, threads: Int) -> [[Float]] {
        timed(output.profiler, .head) {
            applyRows(classifier, pooled(output, threads: threads), rows: output.lengths.count, threads: threads)
        }
    }
}

/// *ForTokenClassification: classifier on every token's hidden state.
package struct TokenClassifier {
    let classifier: any LinearOperator
    package var labelCount: Int { classifier.outFeatures }

    init(_ weights: any WeightStore) throws {
        classifier = try headLinear(weights, "classifier", in: weights.config.hiddenSize)
    }

    /// For each sequence, one row of logits per token.
    package func logits(_ output: EncoderOutput, threads: Int) -> [[[Float]]] {
        let all = timed(output.profiler, .head) {
            applyRows(classifier, output.hidden, rows: output.hidden.count / output.hiddenSize, threads: threads)
        }
        return splitBySequence(all, output)
    }
}

/// *ForQuestionAnswering: qa_outputs gives two numbers per token, the start and end logits.
package struct SpanClassifier {
    let qaOutputs: any LinearOperator

    init(_ weights: any WeightStore) throws {
        qaOutputs = try checkedLinear(weights, "qa_outputs", out: 2, in: weights.config.hiddenSize)
    }

    package func logits(_ output: EncoderOutput, threads: Int) -> [(start: [Float], end: [Float])] {
        let all = timed(output.profiler, .head) {
            applyRows(qaOutputs, output.hidden, rows: output.hidden.count / output.hiddenSize, threads: threads)
        }
        return splitBySequence(all, output).map { rows in (rows.map { $0[0] }, rows.map { $0[1] }) }
    }
}

/// A classifier layer whose label count comes from the weights.
private func headLinear(_ weights: any WeightStore, _ prefix: String, in inFeatures: Int) throws -> any LinearOperator {
    let linear = try weights.linear(prefix)
    guard linear.inFeatures == inFeatures, linear.outFeatures > 0 else {
        throw KoBERTError("\(weights.source): tensor \(prefix).weight has shape [\(linear.outFeatures), \(linear.inFeatures)], expected [labels, \(inFeatures)]")
    }
    return linear
}

/// y = linear(x) for `rows` rows, returned one array per row.
private func applyRows(_ linear: any LinearOperator, _ input: [Float], rows: Int, threads: Int) -> [[Float]] {
    let width = linear.outFeatures
    guard rows > 0 else { return [] }
    var out = [Float](repeating: 0, count: rows * width)
    input.withUnsafeBufferPointer { x in
        out.withUnsafeMutableBufferPointer { y in
            linear.apply(x.baseAddress!, rows: rows, into: y.baseAddress!, activation: .none, threads: threads)
        }
    }
    return (0..<rows).map { Array(out[$0 * width..<($0 + 1) * width]) }
}

private func splitBySequence<Row>(_ rows: [Row], _ output: EncoderOutput) -> [[Row]] {
    var result: [[Row]] = [], start = 0
    for length in output.lengths { result.append(Array(rows[start..<start + length])); start += length }
    return result
}
