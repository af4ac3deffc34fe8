/// SentencePiece's BPE segmentation (bpe_model.cc): start from characters (user-defined pieces stay
/// whole), repeatedly merge the adjacent pair whose merged piece has the highest score (leftmost on
/// ties), then split unused pieces back into the parts they were merged from.
struct BPEModel {
    private let trie: PieceTrie
    private let userDefined: PieceTrie?
    private let scores: [Float]
    private let types: [SentencePieceModel.PieceType]
    private let unknownId: Int
    private let reservedIds: [String: Int]

    init(model: SentencePieceModel, trie: PieceTrie, userDefined: PieceTrie?, unknownId: Int) {
        self.trie = trie
        self.userDefined = userDefined
        self.unknownId = unknownId
        scores = model.pieces.map(\.score)
        types = model.pieces.map(\.type)
        var reserved: [String: Int] = [:]
        for (id, piece) in model.pieces.enumerated() where piece.type == .control || piece.type == .unknown {
            reserved[piece.text] = id
        }
        reservedIds = reserved
    }

    private struct Symbol {
        var previous: Int
        var next: Int
        var start: Int
        var length: Int
        var frozen: Bool
    }

    private struct Candidate {
        var score: Float
        var left: Int
        var right: Int
        var length: Int
        /// Pops first: higher score, then the leftmost pair.
        @inline(__always) func before(_ other: Candidate) -> Bool {
            score > other.score || (score == other.score && left < other.left)
        }
    }

    func encode(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Segment]) {
        let size = text.count
        if size == 0 { return }
        var symbols: [Symbol] = []
        symbols.reserveCapacity(size)
        var position = 0
        while position < size {
            var length = min(utf8SequenceLength(text[position]), size - position)
            var frozen = false
            if let userDefined, let match = userDefined.longestPrefixLength(text, from: position, to: size) {
                length = match
                frozen = true
            }
            let index = symbols.count
            symbols.append(Symbol(previous: index - 1, next: position + length < size ? index + 1 : -1,
                                  start: position, length: length, frozen: frozen))
            position += length
        }

        var heap: [Candidate] = []
        heap.reserveCapacity(symbols.count)
        // Merged unused piece id → length of its left part at its latest merge (sentencepiece keeps the latest).
        var unusedMerges: [Int: Int] = [:]

        func consider(_ left: Int, _ right: Int) {
            if left < 0 || right < 0 || symbols[left].frozen || symbols[right].frozen { return }
            let start = symbols[left].start
            let length = symbols[left].length + symbols[right].length
            let id = trie.exactMatch(text, start..<(start + length))
            if id < 0 { return }
            push(&heap, Candidate(score: scores[id], left: left, right: right, length: length))
            if types[id] == .unused {
                unusedMerges[id] = symbols[left].length
            }
        }

        for i in 1..<symbols.count { consider(i - 1, i) }

        while let top = pop(&heap) {
            let left = symbols[top.left], right = symbols[top.right]
            if left.length == 0 || right.length == 0 || left.length + right.length != top.length { continue }
            symbols[top.left].length = top.length
            symbols[top.left].next = right.next
            if right.next >= 0 { symbols[right.next].previous = top.left }
            symbols[top.right].length = 0
            consider(symbols[top.left].previous, top.left)
            consider(top.left, symbols[top.left].next)
        }

        func emit(_ start: Int, _ length: Int) {
            var id = trie.exactMatch(text, start..<(start + length))
            if id < 0 {
                let piece = String(decoding: UnsafeBufferPointer(rebasing: text[start..<(start + length)]), as: UTF8.self)
                id = reservedIds[piece] ?? unknownId
            }
            if id != unknownId, types[id] == .unused, let leftLength = unusedMerges[id], leftLength < length {
                emit(start, leftLength)
                emit(start + leftLength, length - leftLength)
                return
            }
            output.append(Segment(start: start, end: start + length, id: id))
        }

        var index = 0
        while index >= 0 {
            emit(symbols[index].start, symbols[index].length)
            index = symbols[index].next
        }
    }

    private func push(_ heap: inout [Candidate], _ item: Candidate) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !heap[child].before(heap[parent]) { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func pop(_ heap: inout [Candidate]) -> Candidate? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return top }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < heap.count, heap[left].before(heap[best]) { best = left }
            if right < heap.count, heap[right].before(heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
