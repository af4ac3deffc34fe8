import Foundation
import KoBERTCore
import KoBERTTokenizer
import KoBERTKernels
import KoBERTModel
import KoBERTFormat

/// Text in, tokenized by the model's TextTokenizer; offsets in the results are code points into the text.
extension Predictor {
    public func classify(_ texts: [String], maxLength: Int = 512) throws -> [Classification] {
        let encodings = try encode(texts, maxLength: maxLength)
        return try classify(encodings.map(sequence), truncated: encodings.map(\.truncated))
    }

    /// Tokens, tags and logits cover the text's pieces ([CLS] / [SEP] left out); entity offsets
    /// are code points into the text.
    public func ner(_ texts: [String], maxLength: Int = 512) throws -> [TokenTagging] {
        let encodings = try encode(texts, maxLength: maxLength)
        let logits = try tokenLogits(encodings.map(sequence))
        return zip(texts, zip(encodings, logits)).map { text, pair in
            let (encoding, rows) = pair
            let positions = encoding.offsets.indices.filter { encoding.offsets[$0] != nil }
            let characters = Array(text.unicodeScalars)
            let tokens = positions.enumerated().map { n, p in
                let offset = encoding.offsets[p]!
                return EntityDecoder.Token(startsWord: n == 0 || encoding.pieces[p].hasPrefix("▁"),
                                           tag: labels[argmax(rows[p])], probability: softmax(rows[p]).max() ?? 0,
                                           span: offset.end > offset.start ? offset.start..<offset.end : nil,
                                           isSpecial: false)
            }
            let entities = EntityDecoder.decode(tokens).compactMap { found -> Entity? in
                let span = trimmedSpan(characters, found.span)
                guard !span.isEmpty else { return nil }
                return Entity(text: slice(characters, span), label: found.label,
                              start: span.lowerBound, end: span.upperBound, score: found.score)
            }
            return TokenTagging(tokens: positions.map { encoding.pieces[$0] },
                                tags: positions.map { labels[argmax(rows[$0])] },
                                logits: positions.map { rows[$0] }, entities: entities,
                                truncated: encoding.truncated)
        }
    }

    /// The best span of each context; `start` / `end` are code points into the context.
    public func answer(_ questions: [(question: String, context: String)], maxLength: Int = 512) throws -> [Answer] {
        let tokenizer = try requireTokenizer()
        let limit = min(maxLength, encoder.maxSequenceLength)
        let encodings = questions.map { tokenizer.encode($0.question, pair: $0.context, maxLength: limit) }
        let logits = try spanLogits(encodings.map(sequence))
        return zip(questions, zip(encodings, logits)).map { item, pair in
            let (encoding, span) = pair
            let characters = Array(item.context.unicodeScalars)
            // RoBERTa's tokenizers number both texts 0: find the context by its separators instead.
            let context = encoder.config.architecture == .roberta
                ? contextPositions(encoding.ids).filter { encoding.offsets[$0] != nil }
                : encoding.offsets.indices.filter { encoding.typeIds[$0] == 1 && encoding.offsets[$0] != nil }
            guard let best = SpanSelector(maxLength: maxAnswerLength).best(start: span.start, end: span.end, context: context) else {
                return Answer(answer: "", start: 0, end: 0, score: 0, startLogits: span.start, endLogits: span.end,
                              truncated: encoding.truncated)
            }
            let (from, to) = (encoding.offsets[best.first]!.start, encoding.offsets[best.last]!.end)
            let range = trimmedSpan(characters, min(from, to)..<max(from, to))
            return Answer(answer: slice(characters, range), start: range.lowerBound, end: range.upperBound,
                          score: best.score, startLogits: span.start, endLogits: span.end, truncated: encoding.truncated)
        }
    }

    public func embed(_ texts: [String], pooling: Pooling, maxLength: Int = 512) throws -> [Embedding] {
        let encodings = try encode(texts, maxLength: maxLength)
        return try embed(encodings.map(sequence), pooling: pooling, truncated: encodings.map(\.truncated))
    }
}

/// `span` without leading or trailing white space (a "▁" piece may cover the space before a word).
func trimmedSpan(_ characters: [Unicode.Scalar], _ span: Range<Int>) -> Range<Int> {
    var upper = max(0, min(characters.count, span.upperBound))
    var lower = min(max(0, span.lowerBound), upper)
    while lower < upper, characters[lower].properties.isWhitespace { lower += 1 }
    while upper > lower, characters[upper - 1].properties.isWhitespace { upper -= 1 }
    return lower..<upper
}

func slice(_ characters: [Unicode.Scalar], _ span: Range<Int>) -> String {
    var text = String.UnicodeScalarView()
    text.append(contentsOf: characters[span])
    return String(text)
}
