/// SentencePiece's unigram segmentation: the Viterbi best path over all vocabulary pieces that
/// match the normalized text, as unigram_model.cc's optimized encoder computes it (float scores,
/// first-found wins on ties, user-defined pieces boosted, one-character unknown nodes where no
/// single-character piece exists). Cost: O(bytes × longest piece).
struct UnigramModel {
    private let trie: PieceTrie
    private let scores: [Float]
    /// Per piece id: 0 normal, 1 user-defined (boosted), 2 unused (never matched).
    private let kinds: [UInt8]
    private let unknownId: Int
    private let unknownScore: Float
    private let maxScore: Float

    init(model: SentencePieceModel, trie: PieceTrie, unknownId: Int) {
        self.trie = trie
        self.unknownId = unknownId
        scores = model.pieces.map(\.score)
        kinds = model.pieces.map { $0.type == .userDefined ? 1 : $0.type == .unused ? 2 : 0 }
        var minScore = Float.greatestFiniteMagnitude
        var maxScore = Float.leastNormalMagnitude   // FLT_MIN, as sentencepiece starts it
        for piece in model.pieces where piece.type == .normal {
            minScore = min(minScore, piece.score)
            maxScore = max(maxScore, piece.score)
        }
        self.maxScore = maxScore
        unknownScore = minScore - Float(10.0)
    }

    /// Appends (byte range, piece id) for `text` to `output`, in order.
    func encode(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Segment]) {
        let size = text.count
        if size == 0 { return }
        // Best path ending at each byte position: (score, start of its last piece or -1, piece id).
        var best = [BestPath](repeating: BestPath(score: 0, start: -1, id: -1), count: size + 1)
        scores.withUnsafeBufferPointer { scores in
        kinds.withUnsafeBufferPointer { kinds in
        best.withUnsafeMutableBufferPointer { best in
            var start = 0
            while start < size {
                let scoreHere = best[start].score
                let charLength = min(utf8SequenceLength(text[start]), size - start)
                var hasSingleNode = false
                var node = PieceTrie.root
                var end = start
                while end < size {
                    node = trie.child(node, text[end])
                    if node < 0 { break }
                    end += 1
                    let id = trie.pieceId(node)
                    if id < 0 { continue }
                    let kind = kinds[id]
                    if kind == 2 { continue }
                    let length = end - start
                    if kind == 1 {
                        // Boosted so a user-defined piece always wins (computed in double, as the C++ does).
                        let candidate = (Double(Float(length) * maxScore) - 0.1) + Double(scoreHere)
                        if best[end].start < 0 || candidate > Double(best[end].score) {
                            best[end] = BestPath(score: Float(candidate), start: Int32(start), id: Int32(id))
                        }
                    } else {
                        let candidate = scores[id] + scoreHere
                        if best[end].start < 0 || candidate > best[end].score {
                            best[end] = BestPath(score: candidate, start: Int32(start), id: Int32(id))
                        }
                    }
                    if length == charLength { hasSingleNode = true }
                }
                if !hasSingleNode {
                    let end = start + charLength
                    let candidate = unknownScore + scoreHere
                    if best[end].start < 0 || candidate > best[end].score {
                        best[end] = BestPath(score: candidate, start: Int32(start), id: Int32(unknownId))
                    }
                }
                start += charLength
            }
            // Backtrack from the end.
            let first = output.count
            var end = size
            while end > 0 {
                let begin = Int(best[end].start)
                output.append(Segment(start: begin, end: end, id: Int(best[end].id)))
                end = begin
            }
            output[first...].reverse()
        }
        }
        }
    }
}

private struct BestPath {
    var score: Float
    var start: Int32
    var id: Int32
}

/// One piece of an encoding: normalized bytes `start..<end` and the SentencePiece id.
struct Segment {
    var start: Int
    var end: Int
    var id: Int
}
