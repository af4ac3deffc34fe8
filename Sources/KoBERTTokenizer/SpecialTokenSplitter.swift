/// transformers' PreTrainedTokenizer.tokenize splits the raw text on the special tokens before any
/// preprocessing, so "[CLS]안녕" is "[CLS]" + "안녕" (no stripping around them in the reference
/// version: lstrip/rstrip/single_word are all false). None of the five tokens can overlap another,
/// so a left-to-right scan finds the same matches as its trie.
struct SpecialTokenSplitter {
    enum Part {
        case text(Range<Int>)
        case special(index: Int, range: Range<Int>)
    }

    /// The special tokens as code points, in the order their ids are given to `split`'s caller.
    let tokens: [[UInt32]]
    private let firstScalars: [UInt32]

    init(tokens: [String]) {
        self.tokens = tokens.map { $0.unicodeScalars.map(\.value) }.filter { !$0.isEmpty }
        firstScalars = Array(Set(self.tokens.map { $0[0] }))
    }

    /// The tokenizers' common first step: `text` as code points, each special as its piece (spelling and id
    /// from `specials`, in this splitter's order) and every stretch between through `segment`, in order.
    func tokenize(_ text: String, specials: [(token: String, id: Int)],
                  segment: (_ text: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, _ output: inout [TokenPiece]) -> Void) -> [TokenPiece] {
        var scalars: [UInt32] = []
        scalars.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars { scalars.append(scalar.value) }
        var output: [TokenPiece] = []
        output.reserveCapacity(scalars.count / 2 + 1)
        scalars.withUnsafeBufferPointer { buffer in
            for part in split(buffer) {
                switch part {
                case .special(let index, let range):
                    output.append(TokenPiece(piece: specials[index].token, id: specials[index].id,
                                             start: range.lowerBound, end: range.upperBound))
                case .text(let range):
                    segment(buffer, range, &output)
                }
            }
        }
        return output
    }

    func split(_ text: UnsafeBufferPointer<UInt32>) -> [Part] {
        var parts: [Part] = []
        var textStart = 0
        var i = 0
        while i < text.count {
            if !firstScalars.contains(text[i]) { i += 1; continue }
            var matched = -1
            for (index, token) in tokens.enumerated() where i + token.count <= text.count {
                var equal = true
                for k in 0..<token.count where text[i + k] != token[k] { equal = false; break }
                if equal { matched = index; break }
            }
            if matched < 0 { i += 1; continue }
            if textStart < i { parts.append(.text(textStart..<i)) }
            let end = i + tokens[matched].count
            parts.append(.special(index: matched, range: i..<end))
            i = end
            textStart = end
        }
        if textStart < text.count { parts.append(.text(textStart..<text.count)) }
        return parts
    }
}
