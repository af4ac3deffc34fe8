/// HF tokenizers' WordPiece model: each word is cut greedily, longest piece first, later pieces
/// spelled with the continuation prefix ("##"); a word with a part no piece covers, or longer than
/// `maxInputCharsPerWord` scalars, is one unknown token. "Longest vocab entry starting here" is a
/// walk down a trie of code points (one root for word starts, one for continuations), which finds
/// exactly what the reference's shrink-from-the-end loop finds.
struct WordPieceModel: Sendable {
    let pieces: [String]
    let unknownId: Int
    let maxInputCharsPerWord: Int
    /// (node << 21 | scalar) → child node; node 0 roots word starts, node 1 roots continuations.
    private let children: [UInt64: Int32]
    /// Vocab id ending at each node, or -1.
    private let terminal: [Int32]

    /// `vocabulary` is vocab.txt as HF reads it (id = line number, a repeated token keeps its last id).
    init(vocabulary: WordPieceVocabulary, unknownToken: String, continuationPrefix: String = "##",
         maxInputCharsPerWord: Int = 100, source: String) throws {
        guard let unknownId = vocabulary.ids[unknownToken] else {
            throw TokenizerError("\(source): the vocabulary has no unknown token \(unknownToken)")
        }
        self.unknownId = unknownId
        self.maxInputCharsPerWord = maxInputCharsPerWord
        pieces = vocabulary.tokens
        var children: [UInt64: Int32] = [:]
        var terminal: [Int32] = [-1, -1]
        func insert(_ scalars: ArraySlice<UInt32>, root: Int32, id: Int) {
            var node = root
            for scalar in scalars {
                let key = UInt64(node) << 21 | UInt64(scalar)
                if let child = children[key] {
                    node = child
                } else {
                    let child = Int32(terminal.count)
                    terminal.append(-1)
                    children[key] = child
                    node = child
                }
            }
            terminal[Int(node)] = Int32(id)
        }
        let prefix = continuationPrefix.unicodeScalars.map(\.value)
        for (token, id) in vocabulary.ids {
            let scalars = token.unicodeScalars.map(\.value)
            if scalars.isEmpty { continue }   // the reference never looks up an empty piece
            insert(scalars[...], root: 0, id: id)   // a word's first piece is looked up as spelled
            if scalars.count > prefix.count, scalars.starts(with: prefix) {
                insert(scalars[prefix.count...], root: 1, id: id)   // later ones as prefix + rest
            }
        }
        self.children = children
        self.terminal = terminal
    }

    /// Appends the pieces of `word` (a range of `text`) to `output`.
    func tokenize(_ text: AlignedScalars, _ word: Range<Int>, into output: inout [TokenPiece]) {
        let wordSpan = (start: Int(text.starts[word.lowerBound]), end: Int(text.ends[word.upperBound - 1]))
        if word.count > maxInputCharsPerWord {
            output.append(TokenPiece(piece: pieces[unknownId], id: unknownId, start: wordSpan.start, end: wordSpan.end))
            return
        }
        let firstNew = output.count
        var position = word.lowerBound
        while position < word.upperBound {
            var node: Int32 = position == word.lowerBound ? 0 : 1
            var bestEnd = -1, bestId: Int32 = -1
            var k = position
            while k < word.upperBound {
                guard let child = children[UInt64(node) << 21 | UInt64(text.scalars[k])] else { break }
                node = child
                k += 1
                let id = terminal[Int(node)]
                if id >= 0 { bestEnd = k; bestId = id }
            }
            if bestId < 0 {
                output.removeLast(output.count - firstNew)
                output.append(TokenPiece(piece: pieces[unknownId], id: unknownId, start: wordSpan.start, end: wordSpan.end))
                return
            }
            output.append(TokenPiece(piece: pieces[Int(bestId)], id: Int(bestId),
                                     start: Int(text.starts[position]), end: Int(text.ends[bestEnd - 1])))
            position = bestEnd
        }
    }
}

/// vocab.txt the way HF tokenizers' WordPiece reads it: lines split on "\n" (a trailing "\r" goes),
/// each trimmed at its end; id = line number; a repeated token keeps its last id.
struct WordPieceVocabulary: Sendable {
    let tokens: [String]
    let ids: [String: Int]

    init(text: String) {
        var tokens: [String] = []
        var ids: [String: Int] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }   // the newline that ends the file
        tokens.reserveCapacity(lines.count)
        ids.reserveCapacity(lines.count)
        for line in lines {
            var scalars = Substring(line).unicodeScalars[...]
            while let last = scalars.last, Self.isRustWhitespace(last.value) { scalars.removeLast() }
            let token = String(String.UnicodeScalarView(scalars))
            ids[token] = tokens.count
            tokens.append(token)
        }
        self.tokens = tokens
        self.ids = ids
    }

    /// Rust's char::is_whitespace (White_Space); \r is among them.
    static func isRustWhitespace(_ c: UInt32) -> Bool {
        (c >= 0x09 && c <= 0x0D) || c == 0x20 || rangesContain(BertUnicodeTables.whitespaceRanges, c)
    }
}
