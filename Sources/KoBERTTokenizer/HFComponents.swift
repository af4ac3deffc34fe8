/// The tokenizer.json stages that SentencePiece-derived tokenizers (XLM-R, multilingual-e5) use, with
/// HF tokenizers' own semantics where they differ from SentencePiece's: Precompiled, Replace,
/// Metaspace and the Unigram model. Text flows as AlignedScalars (code points carrying their span of
/// the original text), so offsets come out as the reference computes them.

/// HF's NormalizedString.transform: each new scalar comes with a change (0 replaces the next old
/// scalar, 1 is inserted, −n replaces the next one and removes n more); a replaced scalar keeps the
/// old one's span, an inserted one copies the span of the old scalar before it.
private func applyTransformations(_ input: AlignedScalars, _ changes: [(scalar: UInt32, change: Int)],
                                  segmentStart: Int32) -> AlignedScalars {
    var output = AlignedScalars(reservingCapacity: changes.count)
    var cursor = 0
    for (scalar, change) in changes {
        if change > 0 {
            if cursor == 0 {
                output.append(scalar, start: segmentStart, end: segmentStart)
            } else {
                let k = min(cursor, input.count) - 1
                output.append(scalar, start: input.starts[k], end: input.ends[k])
            }
        } else {
            guard input.count > 0 else { break }
            let k = min(cursor, input.count - 1)
            output.append(scalar, start: input.starts[k], end: input.ends[k])
            cursor += 1 - change
        }
    }
    return output
}

private func utf8Bytes(_ scalars: some Sequence<UInt32>) -> [UInt8] {
    var text = AlignedText()
    for s in scalars { text.append(scalar: s, start: 0, end: 0) }
    return text.bytes
}

/// HF's Precompiled normalizer. Unlike SentencePiece (longest match over the byte stream) it walks
/// extended grapheme clusters: a cluster under 6 UTF-8 bytes that some charsmap key prefixes is
/// replaced WHOLE by the SHORTEST such key's replacement; otherwise each scalar is looked up alone.
struct PrecompiledCharsmap: Sendable {
    private let trie: DoubleArrayTrie
    private let replacements: [UInt8]

    init(blob: [UInt8], source: String) throws {
        // <trie size: uint32 little-endian><double array units><NUL-separated UTF-8 replacements>
        guard blob.count >= 4 else { throw TokenizerError("\(source): precompiled_charsmap is broken (\(blob.count) bytes)") }
        let trieSize = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        guard trieSize % 4 == 0, trieSize + 4 <= blob.count else {
            throw TokenizerError("\(source): precompiled_charsmap trie size \(trieSize) exceeds the blob (\(blob.count) bytes)")
        }
        var units = [UInt32](repeating: 0, count: trieSize / 4)
        for i in 0..<units.count {
            let b = 4 + 4 * i
            units[i] = UInt32(blob[b]) | UInt32(blob[b + 1]) << 8 | UInt32(blob[b + 2]) << 16 | UInt32(blob[b + 3]) << 24
        }
        trie = DoubleArrayTrie(units: units)
        replacements = Array(blob[(4 + trieSize)...])
        if let bad = firstInvalidUTF8Offset(replacements) {   // the reference refuses such a blob too
            throw TokenizerError("\(source): precompiled_charsmap replacements are not UTF-8 (byte \(bad))")
        }
    }

    private func replacement(_ key: [UInt8]) -> [UInt32]? {
        guard let start = trie.shortestPrefixValue(key), start >= 0, start <= replacements.count else { return nil }
        var stop = start
        while stop < replacements.count, replacements[stop] != 0 { stop += 1 }
        return String(decoding: replacements[start..<stop], as: UTF8.self).unicodeScalars.map(\.value)
    }

    func normalize(_ input: AlignedScalars, segmentStart: Int32) -> AlignedScalars {
        var changes: [(scalar: UInt32, change: Int)] = []
        changes.reserveCapacity(input.count)
        var modified = false
        func replace(_ oldCount: Int, _ new: [UInt32]) {
            modified = true
            let first = changes.count
            for s in new { changes.append((s, 0)) }
            let diff = new.count - oldCount
            if diff > 0 {
                for k in (changes.count - diff)..<changes.count where k >= first { changes[k].change = 1 }
            } else if diff < 0, !changes.isEmpty {
                changes[changes.count - 1].change += diff   // may land on an earlier cluster's scalar, as in the reference
            }
        }
        var view = String.UnicodeScalarView()
        for s in input.scalars { view.append(Unicode.Scalar(s) ?? "\u{FFFD}") }
        for cluster in String(view) {
            let scalars = cluster.unicodeScalars.map(\.value)
            let bytes = utf8Bytes(scalars)
            if bytes.count < 6, let new = replacement(bytes) {
                replace(scalars.count, new)
                continue
            }
            for s in scalars {
                if let new = replacement(utf8Bytes(CollectionOfOne(s))) {
                    replace(1, new)
                } else {
                    changes.append((s, 0))
                }
            }
        }
        return modified ? applyTransformations(input, changes, segmentStart: segmentStart) : input
    }
}

/// HF's Replace normalizer for a literal pattern or a run of one scalar (`" {2,}"`, `"x+"`):
/// leftmost non-overlapping matches; every scalar of the content takes the span of the match's last scalar.
struct ReplaceNormalizer: Sendable {
    enum Pattern: Sendable {
        case literal([UInt32])
        case run(scalar: UInt32, minimum: Int)
    }
    let pattern: Pattern
    let content: [UInt32]

    /// The regexes understood: one literal character followed by `{n,}` or `+`.
    static func parseRegex(_ regex: String) -> Pattern? {
        var scalars = Array(regex.unicodeScalars)
        guard let first = scalars.first, !"\\.^$|?*+()[]{}".unicodeScalars.contains(first) else { return nil }
        scalars.removeFirst()
        if scalars.map(String.init).joined() == "+" { return .run(scalar: first.value, minimum: 1) }
        let rest = String(String.UnicodeScalarView(scalars))
        guard rest.hasPrefix("{"), rest.hasSuffix(",}"), let n = Int(rest.dropFirst().dropLast(2)), n >= 1, n < 1 << 20 else { return nil }
        return .run(scalar: first.value, minimum: n)
    }

    func normalize(_ input: AlignedScalars) -> AlignedScalars {
        var output = AlignedScalars(reservingCapacity: input.count)
        var i = 0
        let n = input.count
        while i < n {
            var matchEnd = -1
            switch pattern {
            case .literal(let literal):
                if i + literal.count <= n, !literal.isEmpty {
                    var equal = true
                    for k in 0..<literal.count where input.scalars[i + k] != literal[k] { equal = false; break }
                    if equal { matchEnd = i + literal.count }
                }
            case .run(let scalar, let minimum):
                var k = i
                while k < n, input.scalars[k] == scalar { k += 1 }
                if k - i >= minimum { matchEnd = k }
            }
            if matchEnd < 0 {
                output.append(input.scalars[i], start: input.starts[i], end: input.ends[i])
                i += 1
                continue
            }
            let last = matchEnd - 1
            for s in content { output.append(s, start: input.starts[last], end: input.ends[last]) }
            i = matchEnd
        }
        return output
    }
}

/// HF's Metaspace pre-tokenizer: " " becomes the replacement ("▁"), one is prepended (always, or only
/// to the text's first segment) unless there already, and with `split` each replacement starts a word.
struct MetaspacePreTokenizer: Sendable {
    enum PrependScheme: String, Sendable { case always, first, never }
    let replacement: UInt32
    let prependScheme: PrependScheme
    let split: Bool

    func words(_ input: AlignedScalars, segmentStart: Int32) -> (AlignedScalars, [Range<Int>]) {
        var text = AlignedScalars(reservingCapacity: input.count + 1)
        let prepend = input.count > 0 && input.scalars[0] != 0x20 && input.scalars[0] != replacement
            && (prependScheme == .always || (prependScheme == .first && segmentStart == 0))
        if prepend { text.append(replacement, start: input.starts[0], end: input.ends[0]) }   // takes the first scalar's span
        for i in 0..<input.count {
            text.append(input.scalars[i] == 0x20 ? replacement : input.scalars[i], start: input.starts[i], end: input.ends[i])
        }
        guard split else { return (text, text.count > 0 ? [0..<text.count] : []) }
        var words: [Range<Int>] = []
        var start = 0
        for i in 1..<max(1, text.count) where text.scalars[i] == replacement {
            words.append(start..<i)
            start = i
        }
        if start < text.count { words.append(start..<text.count) }
        return (text, words)
    }
}

/// HF's Unigram model: the Viterbi best path over all vocabulary pieces in double precision
/// (first-found wins a tie; a character no single piece covers is an unknown node scored min − 10),
/// consecutive unknowns fused into one token spelled as the text, each token's id looked up by
/// its spelling (the unknown id when absent, or `<0xXX>` byte pieces with byte_fallback).
struct HFUnigramModel: Sendable {
    /// Keyed by UTF-8 bytes: Swift's String equality is canonical equivalence, so "각" and its
    /// decomposed jamo would be one key, while the reference tells them apart. Also answers the
    /// exact-spelling lookups (unknown runs, byte fallback).
    private let trie: PieceTrie
    private let scores: [Double]
    let unknownId: Int
    private let unknownScore: Double
    private let byteFallback: Bool

    /// `pieces` and `scores` in id order. A repeated piece answers with its last id, as the reference's map does.
    init(pieces: [String], scores: [Double], unknownId: Int, byteFallback: Bool, source: String) throws {
        precondition(pieces.count == scores.count)
        guard !pieces.isEmpty else { throw TokenizerError("\(source): model Unigram has an empty vocab") }
        guard unknownId >= 0, unknownId < pieces.count else {
            throw TokenizerError("\(source): model Unigram unk_id \(unknownId) is outside the vocab (\(pieces.count) pieces)")
        }
        var spellings = PieceSpellings()
        spellings.reserveCapacity(strings: pieces.count, bytes: pieces.count * 8)
        for piece in pieces { spellings.append(piece.utf8) }
        trie = PieceTrie(spellings: spellings, repeated: .keepsLast)
        self.scores = scores
        self.unknownId = unknownId
        unknownScore = (scores.min() ?? 0) - 10.0
        self.byteFallback = byteFallback
    }

    /// Appends the tokens of `text[word]` to `output`; `pieces` spells ids.
    func tokenize(_ text: AlignedScalars, _ word: Range<Int>, pieces: [String], into output: inout [TokenPiece]) {
        // UTF-8 of the word, and for each byte the scalar it belongs to.
        var bytes: [UInt8] = []
        var scalarOf: [Int] = []
        var encoded = AlignedText()
        for i in word {
            encoded.removeLast(encoded.count)
            encoded.append(scalar: text.scalars[i], start: 0, end: 0)
            bytes.append(contentsOf: encoded.bytes)
            scalarOf.append(contentsOf: repeatElement(i, count: encoded.count))
        }
        let size = bytes.count
        if size == 0 { return }
        var bestScore = [Double](repeating: 0, count: size + 1)
        var bestStart = [Int](repeating: -1, count: size + 1)
        var bestId = [Int](repeating: -1, count: size + 1)
        var start = 0
        while start < size {
            let here = bestScore[start]
            let charLength = min(utf8SequenceLength(bytes[start]), size - start)
            var hasSingleNode = false
            var node = PieceTrie.root
            var end = start
            while end < size {
                node = trie.child(node, bytes[end])
                if node < 0 { break }
                end += 1
                let id = trie.pieceId(node)
                if id < 0 { continue }
                let candidate = scores[id] + here
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate; bestStart[end] = start; bestId[end] = id
                }
                if end - start == charLength { hasSingleNode = true }
            }
            if !hasSingleNode {
                let end = start + charLength
                let candidate = unknownScore + here
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate; bestStart[end] = start; bestId[end] = unknownId
                }
            }
            start += charLength
        }
        // Back from the end; runs of unknown nodes become one token.
        var segments: [(start: Int, end: Int, id: Int?)] = []
        var end = size
        var unknownEnd = -1
        while end > 0 {
            let begin = bestStart[end]
            if bestId[end] == unknownId {
                if unknownEnd < 0 { unknownEnd = end }
            } else {
                if unknownEnd >= 0 { segments.append((end, unknownEnd, nil)); unknownEnd = -1 }
                segments.append((begin, end, bestId[end]))
            }
            end = begin
        }
        if unknownEnd >= 0 { segments.append((0, unknownEnd, nil)) }
        for segment in segments.reversed() {
            let first = scalarOf[segment.start], last = scalarOf[segment.end - 1]
            let span = (start: Int(text.starts[first]), end: Int(text.ends[last]))
            if let id = segment.id {
                output.append(TokenPiece(piece: pieces[id], id: id, start: span.start, end: span.end))
                continue
            }
            let spelling = String(decoding: bytes[segment.start..<segment.end], as: UTF8.self)
            let id = bytes.withUnsafeBufferPointer { trie.exactMatch($0, segment.start..<segment.end) }
            if id >= 0 {
                output.append(TokenPiece(piece: spelling, id: id, start: span.start, end: span.end))
                continue
            }
            if byteFallback {
                let byteIds = bytes[segment.start..<segment.end].map { trie.exactMatch(Array(byteToken($0).utf8)) }
                if byteIds.allSatisfy({ $0 >= 0 }) {
                    for (byte, id) in zip(bytes[segment.start..<segment.end], byteIds) {
                        output.append(TokenPiece(piece: byteToken(byte), id: id, start: span.start, end: span.end))
                    }
                    continue
                }
            }
            output.append(TokenPiece(piece: spelling, id: unknownId, start: span.start, end: span.end))
        }
    }

    private func byteToken(_ byte: UInt8) -> String {
        let hex = Array("0123456789ABCDEF")
        return "<0x\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])>"
    }
}
