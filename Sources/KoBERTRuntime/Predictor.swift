import Foundation
import KoBERTCore
import KoBERTTokenizer
import KoBERTKernels
import KoBERTModel
import KoBERTFormat

/// An encoder with the head of one task, its label names and (for text input) the tokenizer:
/// everything `kobert predict`, kobertd and the packed-model loader hand requests to.
public final class Predictor: Sendable {
    public let task: ModelTask
    public let encoder: Encoder
    public let tokenizer: (any TextTokenizer)?
    /// Class names by id: config.json's id2label, or "LABEL_i" where it has none.
    public let labels: [String]
    /// Cores the forward pass may use.
    public let threads: Int
    /// Longest answer span in tokens (qa).
    public let maxAnswerLength = 30
    let head: TaskHead
    let specialIds: Set<Int>
    let separatorId: Int

    public init(weights: any WeightStore, task: ModelTask, tokenizer: (any TextTokenizer)? = nil, threads: Int = 2) throws {
        self.task = task
        self.tokenizer = tokenizer
        self.threads = threads
        encoder = try Encoder(weights)
        head = try TaskHead(weights, task: task)
        let id2label = weights.config.id2label
        // A label list that does not match the classifier's rows would name the wrong class.
        if task == .nsmc || task == .ner, !id2label.isEmpty, id2label.count != head.labelCount {
            throw KoBERTError("\(weights.source): id2label has \(id2label.count) labels but the classifier has \(head.labelCount) rows")
        }
        labels = (0..<head.labelCount).map { id2label[$0] ?? "LABEL_\($0)" }
        // Unless the tokenizer says otherwise (--ids input has none): KoBERT's [UNK]=0 [PAD]=1 [CLS]=2
        // [SEP]=3, or RoBERTa's / XLM-R's <s>=0 <pad>=1 </s>=2.
        let roberta = weights.config.architecture == .roberta
        separatorId = tokenizer?.sepId ?? (roberta ? 2 : 3)
        specialIds = [tokenizer?.clsId ?? (roberta ? 0 : 2), separatorId, tokenizer?.padId ?? (roberta ? weights.config.padTokenId : 1)]
    }

    public var config: ModelConfig { encoder.config }

    // The steps every task shares; the public entry points are in Predictor+TokenIds.swift
    // and Predictor+Text.swift.

    func require(_ wanted: ModelTask) throws {
        guard task == wanted else {
            throw KoBERTError("this model was loaded for --task \(task.rawValue), not \(wanted.rawValue)")
        }
    }

    func requireTokenizer() throws -> any TextTokenizer {
        guard let tokenizer else {
            throw KoBERTError("text input needs a tokenizer (KoBERT's tokenizer_78b3253a26.model + vocab.txt, a tokenizer.json or a WordPiece vocab.txt); give token ids with --ids instead")
        }
        return tokenizer
    }

    func encode(_ texts: [String], maxLength: Int) throws -> [Encoding] {
        let tokenizer = try requireTokenizer()
        let limit = min(maxLength, encoder.maxSequenceLength)
        return texts.map { tokenizer.encode($0, maxLength: limit) }
    }

    /// Segment ids only where the model takes them (`ModelConfig.takesSegmentIds`).
    func sequence(_ encoding: Encoding) -> TokenSequence {
        TokenSequence(ids: encoding.ids, typeIds: encoder.config.takesSegmentIds ? encoding.typeIds : nil)
    }

    func classify(_ sequences: [TokenSequence], truncated: [Bool]?) throws -> [Classification] {
        try require(.nsmc)
        guard case .sequence(let classifier) = head, !sequences.isEmpty else { return [] }
        let output = try encoder.forward(sequences, threads: threads)
        return classifier.logits(output, threads: threads).enumerated().map { i, logits in
            Classification(label: labels[argmax(logits)], probs: softmax(logits), logits: logits, truncated: truncated?[i])
        }
    }

    func tokenLogits(_ sequences: [TokenSequence]) throws -> [[[Float]]] {
        try require(.ner)
        guard case .token(let classifier) = head, !sequences.isEmpty else { return [] }
        return classifier.logits(try encoder.forward(sequences, threads: threads), threads: threads)
    }

    func spanLogits(_ sequences: [TokenSequence]) throws -> [(start: [Float], end: [Float])] {
        try require(.qa)
        guard case .span(let classifier) = head, !sequences.isEmpty else { return [] }
        return classifier.logits(try encoder.forward(sequences, threads: threads), threads: threads)
    }

    func embed(_ sequences: [TokenSequence], pooling: Pooling, truncated: [Bool]?) throws -> [Embedding] {
        guard !sequences.isEmpty else { return [] }
        let output = try encoder.forward(sequences, threads: threads)
        let h = output.hiddenSize
        return sequences.indices.map { i in
            let value: Embedding.Value
            switch pooling {
            case .cls: value = .vector(Array(output.vector(i, 0)))
            case .mean:
                var sum = [Float](repeating: 0, count: h)
                for p in 0..<output.lengths[i] {
                    for (j, x) in output.vector(i, p).enumerated() { sum[j] += x }
                }
                value = .vector(sum.map { $0 / Float(output.lengths[i]) })
            case .none:
                let rows = output.sequence(i)
                value = .matrix((0..<output.lengths[i]).map { p in Array(rows[rows.startIndex + p * h..<rows.startIndex + (p + 1) * h]) })
            }
            return Embedding(embedding: value, truncated: truncated?[i])
        }
    }

    /// After the first [SEP] up to the next; a single segment ([CLS] text [SEP]) is all context.
    func contextPositions(_ ids: [Int]) -> [Int] {
        if let first = ids.firstIndex(of: separatorId) {
            // RoBERTa's pairs put two separators between the texts: <s> A </s></s> B </s>.
            var start = first + 1
            while start < ids.count, ids[start] == separatorId { start += 1 }
            let end = ids[start...].firstIndex(of: separatorId) ?? ids.count
            if start < end { return Array(start..<end) }
        }
        return ids.indices.filter { !specialIds.contains(ids[$0]) }
    }

    func pieceName(_ id: Int) -> String {
        tokenizer?.token(forId: id) ?? String(id)
    }

    /// Pieces back to text: "▁" marks a space before a word.
    func joinPieces(_ pieces: [String]) -> String {
        guard tokenizer != nil else { return pieces.joined(separator: " ") }
        return pieces.joined().replacingOccurrences(of: "▁", with: " ").trimmingCharacters(in: .whitespaces)
    }
}

/// Index of the largest value (the first on ties).
package func argmax(_ values: [Float]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}
