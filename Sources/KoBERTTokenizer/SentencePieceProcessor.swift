/// A loaded SentencePiece model: normalizer → unigram or BPE segmentation → runs of unknown pieces
/// merged into one (as SentencePieceProcessor::Encode reports them).
public final class SentencePieceProcessor: Sendable {
    public let model: SentencePieceModel
    /// Piece text by SentencePiece id.
    public let pieceTexts: [String]
    public let unknownId: Int
    private let normalizer: Normalizer
    private let algorithm: Algorithm

    private enum Algorithm {
        case unigram(UnigramModel)
        case bpe(BPEModel)
    }

    public convenience init(bytes: [UInt8], source: String = "SentencePiece model") throws {
        try self.init(model: SentencePieceModel(bytes: bytes, source: source), source: source)
    }

    public init(model: SentencePieceModel, source: String = "SentencePiece model") throws {
        self.model = model
        pieceTexts = model.pieces.map(\.text)
        unknownId = model.pieces.firstIndex(where: { $0.type == .unknown }) ?? 0
        var searchable: [([UInt8], Int)] = []
        var userDefined: [([UInt8], Int)] = []
        for (id, piece) in model.pieces.enumerated() {
            switch piece.type {
            case .normal, .unused: searchable.append((Array(piece.text.utf8), id))
            case .userDefined:
                searchable.append((Array(piece.text.utf8), id))
                userDefined.append((Array(piece.text.utf8), id))
            case .unknown, .control, .byte: continue
            }
        }
        let trie = PieceTrie(pieces: searchable)
        let userDefinedTrie = userDefined.isEmpty ? nil : PieceTrie(pieces: userDefined)
        normalizer = try Normalizer(model: model, userDefinedPieces: userDefinedTrie, source: source)
        switch model.algorithm {
        case .bpe: algorithm = .bpe(BPEModel(model: model, trie: trie, userDefined: userDefinedTrie, unknownId: unknownId))
        default: algorithm = .unigram(UnigramModel(model: model, trie: trie, unknownId: unknownId))
        }
    }

    /// Normalizes and segments aligned text. The segments index `normalized.bytes`.
    func encode(_ text: AlignedText) -> (normalized: AlignedText, segments: [Segment]) {
        let normalized = normalizer.normalize(text)
        var segments: [Segment] = []
        segments.reserveCapacity(normalized.count / 3 + 1)
        normalized.bytes.withUnsafeBufferPointer { bytes in
            switch algorithm {
            case .unigram(let model): model.encode(bytes, into: &segments)
            case .bpe(let model): model.encode(bytes, into: &segments)
            }
        }
        // Consecutive unknown pieces are reported as one.
        var merged = 0
        for i in 0..<segments.count {
            if merged > 0, segments[i].id == unknownId, segments[merged - 1].id == unknownId {
                segments[merged - 1].end = segments[i].end
            } else {
                segments[merged] = segments[i]
                merged += 1
            }
        }
        segments.removeLast(segments.count - merged)
        return (normalized, segments)
    }

    /// Does the normalizer turn every Hangul syllable's jamo back into that syllable, exactly as it
    /// treats the syllable itself? (True for nmt_nfkc; it lets KoBERT's NFKD skip the round trip.)
    func recomposesHangul() -> Bool {
        for syllable in UnicodeData.hangulFirst...UnicodeData.hangulLast {
            var whole = AlignedText(), jamo = AlignedText()
            whole.append(scalar: syllable, start: 0, end: 1)
            let index = syllable - UnicodeData.hangulFirst
            jamo.append(scalar: 0x1100 + index / 588, start: 0, end: 1)
            jamo.append(scalar: 0x1161 + (index % 588) / 28, start: 0, end: 1)
            if index % 28 != 0 { jamo.append(scalar: 0x11A7 + index % 28, start: 0, end: 1) }
            let a = normalizer.normalize(whole), b = normalizer.normalize(jamo)
            if a.bytes != b.bytes || a.starts != b.starts || a.ends != b.ends { return false }
        }
        return true
    }

    /// Plain SentencePiece encoding of `text` (what `sp.encode(text, out_type=str)` and `sp.encode(text)` give):
    /// pieces (unknown pieces as their normalized surface) and SentencePiece ids.
    public func encode(_ text: String) -> [(piece: String, id: Int)] {
        var aligned = AlignedText(reservingCapacity: text.utf8.count)
        var index: Int32 = 0
        for scalar in text.unicodeScalars {
            aligned.append(scalar: scalar.value, start: index, end: index + 1)
            index += 1
        }
        let (normalized, segments) = encode(aligned)
        return segments.map { segment in
            (pieceText(segment, in: normalized), segment.id)
        }
    }

    /// The text of a segment: the vocabulary piece, or the normalized surface for an unknown piece.
    func pieceText(_ segment: Segment, in normalized: AlignedText) -> String {
        if segment.id != unknownId, segment.id >= 0, segment.id < pieceTexts.count { return pieceTexts[segment.id] }
        return String(decoding: normalized.bytes[segment.start..<segment.end], as: UTF8.self)
    }
}
