import KoBERTCore
import KoBERTKernels
import KoBERTModel
import KoBERTFormat

/// Token ids in, [CLS] / [SEP] already in place: `kobert predict --ids`, calibration, benchmarks.
extension Predictor {
    public func classify(ids: [[Int]]) throws -> [Classification] {
        try classify(sequences: ids.map { TokenSequence(ids: $0) })
    }

    public func classify(sequences: [TokenSequence]) throws -> [Classification] {
        try classify(sequences, truncated: nil)
    }

    public func ner(ids: [[Int]]) throws -> [TokenTagging] {
        try ner(sequences: ids.map { TokenSequence(ids: $0) })
    }

    /// Every position is reported, specials included; entity `start` / `end` are token indices [start, end).
    public func ner(sequences: [TokenSequence]) throws -> [TokenTagging] {
        let logits = try tokenLogits(sequences)
        return zip(sequences, logits).map { sequence, rows in
            let ids = sequence.ids
            let tokens = ids.map(pieceName)
            let tokensForEntities = ids.indices.map { i in
                EntityDecoder.Token(startsWord: tokenizer == nil || i == 0 || specialIds.contains(ids[i - 1])
                                        || tokens[i].hasPrefix("▁"),
                                    tag: labels[argmax(rows[i])], probability: softmax(rows[i]).max() ?? 0,
                                    span: i..<i + 1, isSpecial: specialIds.contains(ids[i]))
            }
            let entities = EntityDecoder.decode(tokensForEntities).map { found in
                Entity(text: joinPieces(Array(tokens[found.span])), label: found.label,
                       start: found.span.lowerBound, end: found.span.upperBound, score: found.score)
            }
            return TokenTagging(tokens: tokens, tags: rows.map { labels[argmax($0)] }, logits: rows,
                                entities: entities, truncated: nil)
        }
    }

    public func answer(ids: [[Int]]) throws -> [Answer] {
        try answer(sequences: ids.map { TokenSequence(ids: $0) })
    }

    /// The context is the tokens after the first [SEP] up to the next one (every non-special
    /// token when there is one segment); `start` / `end` of the answer are token indices [start, end).
    /// Missing token types default to 0 through the first [SEP] and 1 after, as the tokenizer makes them
    /// (BERT; RoBERTa's are all 0).
    public func answer(sequences: [TokenSequence]) throws -> [Answer] {
        let sequences = sequences.map { sequence in
            var sequence = sequence
            if sequence.typeIds == nil, encoder.config.takesSegmentIds, let sep = sequence.ids.firstIndex(of: separatorId) {
                sequence.typeIds = sequence.ids.indices.map { $0 <= sep ? 0 : 1 }
            }
            return sequence
        }
        let logits = try spanLogits(sequences)
        return zip(sequences, logits).map { sequence, pair in
            let ids = sequence.ids
            let context = contextPositions(ids)
            let best = SpanSelector(maxLength: maxAnswerLength).best(start: pair.start, end: pair.end, context: context)
            guard let best else {
                return Answer(answer: "", start: 0, end: 0, score: 0, startLogits: pair.start, endLogits: pair.end, truncated: nil)
            }
            let text = joinPieces(ids[best.first...best.last].map(pieceName))
            return Answer(answer: text, start: best.first, end: best.last + 1, score: best.score,
                          startLogits: pair.start, endLogits: pair.end, truncated: nil)
        }
    }

    public func embed(ids: [[Int]], pooling: Pooling) throws -> [Embedding] {
        try embed(sequences: ids.map { TokenSequence(ids: $0) }, pooling: pooling)
    }

    public func embed(sequences: [TokenSequence], pooling: Pooling) throws -> [Embedding] {
        try embed(sequences, pooling: pooling, truncated: nil)
    }
}
