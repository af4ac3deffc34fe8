/// HF tokenizers' BertPreTokenizer: split on whitespace (dropped), then every punctuation scalar
/// (ASCII punctuation and Unicode P*) becomes a word of its own. Words are index ranges into the
/// normalized scalars, so their original spans stay at hand.
enum BertPreTokenizer {
    static func words(_ text: AlignedScalars) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var wordStart = -1
        for i in 0..<text.count {
            let c = text.scalars[i]
            let kind: Kind
            if c < 0x80 {
                kind = c == 0x20 || (c >= 0x09 && c <= 0x0D) ? .space
                    : (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E)
                    ? .punctuation : .letter
            } else if c >= UnicodeData.hangulFirst && c <= UnicodeData.hangulLast {
                kind = .letter
            } else if rangesContain(BertUnicodeTables.whitespaceRanges, c) {
                kind = .space
            } else if rangesContain(BertUnicodeTables.punctuationRanges, c) {
                kind = .punctuation
            } else {
                kind = .letter
            }
            switch kind {
            case .letter:
                if wordStart < 0 { wordStart = i }
            case .space, .punctuation:
                if wordStart >= 0 { words.append(wordStart..<i); wordStart = -1 }
                if kind == .punctuation { words.append(i..<(i + 1)) }
            }
        }
        if wordStart >= 0 { words.append(wordStart..<text.count) }
        return words
    }

    private enum Kind { case letter, space, punctuation }
}
