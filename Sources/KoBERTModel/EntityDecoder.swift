/// Turns per-token tags into entities, word by word.
///
/// KoBERT-NER trains the label of a word on the word's FIRST piece only (later pieces carry the
/// ignore index), so only first pieces decide: a word's tag is its first piece's tag, and the
/// word's later pieces belong to whatever entity the word is in, whatever they predict themselves.
/// Both tag spellings are read: Naver's "PER-B" / "PER-I" and CoNLL's "B-PER" / "I-PER".
/// An I tag that does not continue an entity of the same type starts one (as seqeval does by default).
package struct EntityDecoder {
    package struct Token {
        var startsWord: Bool
        var tag: String
        var probability: Float
        /// The span this token covers, in whatever unit the caller reports (code points or token indices).
        var span: Range<Int>?
        var isSpecial: Bool

        package init(startsWord: Bool, tag: String, probability: Float, span: Range<Int>?, isSpecial: Bool) {
            self.startsWord = startsWord; self.tag = tag; self.probability = probability; self.span = span; self.isSpecial = isSpecial
        }
    }

    enum Boundary { case begin, inside, outside }

    static func parse(_ tag: String) -> (Boundary, String) {
        if tag.count > 2 {
            if tag.hasPrefix("B-") { return (.begin, String(tag.dropFirst(2))) }
            if tag.hasPrefix("I-") { return (.inside, String(tag.dropFirst(2))) }
            if tag.hasSuffix("-B") { return (.begin, String(tag.dropLast(2))) }
            if tag.hasSuffix("-I") { return (.inside, String(tag.dropLast(2))) }
        }
        return (.outside, "")
    }

    /// Entities as (label, span covering its words, score); the caller turns spans into text.
    package static func decode(_ tokens: [Token]) -> [(label: String, span: Range<Int>, score: Float)] {
        var result: [(label: String, span: Range<Int>, score: Float)] = []
        var current: (label: String, span: Range<Int>?, probabilities: [Float])?

        func close() {
            if let open = current, let span = open.span {
                let score = open.probabilities.reduce(0, +) / Float(open.probabilities.count)
                result.append((open.label, span, score))
            }
            current = nil
        }
        func extend(_ span: Range<Int>?) {
            guard let span, current != nil else { return }
            if let old = current!.span {
                current!.span = min(old.lowerBound, span.lowerBound)..<max(old.upperBound, span.upperBound)
            } else {
                current!.span = span
            }
        }

        for token in tokens {
            if token.isSpecial { close(); continue }
            if !token.startsWord { extend(token.span); continue }
            let (boundary, label) = parse(token.tag)
            switch boundary {
            case .outside:
                close()
            case .inside where current?.label == label:
                current!.probabilities.append(token.probability); extend(token.span)
            case .begin, .inside:
                close()
                current = (label, nil, [token.probability]); extend(token.span)
            }
        }
        close()
        return result
    }
}
