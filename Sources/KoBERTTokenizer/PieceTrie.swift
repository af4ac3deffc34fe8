/// A byte trie over vocabulary pieces, laid out as a double array: the child of `node` on byte `b`
/// is `base[node] + b` when `check` there equals `node`. Two array reads per input byte keep the
/// Viterbi and BPE inner loops free of hashing and of String.
// @unchecked: the three buffers are filled by init and only read afterwards.
final class PieceTrie: @unchecked Sendable {
    // Raw buffers (owned, freed in deinit): the lookups run once per input byte per candidate piece.
    private let base: UnsafeMutableBufferPointer<Int32>
    private let check: UnsafeMutableBufferPointer<Int32>
    /// The piece id ending at a node, or -1.
    private let value: UnsafeMutableBufferPointer<Int32>

    /// `pieces`: (UTF-8 bytes, id). Empty pieces are ignored; a repeated piece keeps its first id.
    convenience init(pieces: [([UInt8], Int)]) {
        var spellings = PieceSpellings()
        for (bytes, _) in pieces { spellings.append(bytes) }
        self.init(spellings: spellings, ids: pieces.map(\.1), repeated: .keepsFirst)
    }

    enum RepeatedPiece { case keepsFirst, keepsLast }

    /// Piece k is `spellings[k]` with id `ids[k]` (k itself when `ids` is nil). Empty pieces are ignored.
    /// Built from the spellings sorted once, with no allocation per piece or node: the children of a
    /// node are the runs of one byte among the sorted spellings that share its prefix.
    init(spellings: PieceSpellings, ids: [Int]? = nil, repeated: RepeatedPiece) {
        precondition(ids == nil || ids!.count == spellings.count)
        // 1. Non-empty pieces in byte order, equal spellings in input order. Sorted by their first
        // sixteen bytes (big-endian, zero-padded: consistent with byte order) before comparing the rest.
        struct Key { var high: UInt64; var low: UInt64; var piece: Int32 }
        var keys: [Key] = []
        keys.reserveCapacity(spellings.count)
        spellings.bytes.withUnsafeBufferPointer { text in
            func word(_ range: Range<Int>, _ from: Int) -> UInt64 {
                var word: UInt64 = 0
                for i in from..<(from + 8) { word = word << 8 | UInt64(range.lowerBound + i < range.upperBound ? text[range.lowerBound + i] : 0) }
                return word
            }
            for k in 0..<spellings.count {
                let range = spellings.range(k)
                if range.isEmpty { continue }
                keys.append(Key(high: word(range, 0), low: range.count > 8 ? word(range, 8) : 0, piece: Int32(k)))
            }
            keys.sort { a, b in
                if a.high != b.high { return a.high < b.high }
                if a.low != b.low { return a.low < b.low }
                let ra = spellings.range(Int(a.piece)), rb = spellings.range(Int(b.piece))
                let common = min(ra.count, rb.count)
                var k = 16
                while k < common {
                    let x = text[ra.lowerBound + k], y = text[rb.lowerBound + k]
                    if x != y { return x < y }
                    k += 1
                }
                if ra.count != rb.count { return ra.count < rb.count }
                return a.piece < b.piece
            }
        }
        // The sorted spellings copied out in order, so the walk below reads memory front to back.
        var sorted = PieceSpellings()
        sorted.reserveCapacity(strings: keys.count, bytes: spellings.bytes.count)
        var sortedIds = [Int32]()
        sortedIds.reserveCapacity(keys.count)
        for key in keys {
            let k = Int(key.piece)
            sorted.append(spellings.bytes[spellings.range(k)])
            sortedIds.append(Int32(ids?[k] ?? k))
        }
        keys = []
        // 2. Place every node's children into one double array, breadth first. A node is a run
        // lo..<hi of sorted spellings sharing its `depth`-byte prefix; those of length `depth` come first.
        let starts = [0] + sorted.ends.dropLast()
        func length(_ k: Int) -> Int { sorted.ends[k] - starts[k] }
        func byte(_ k: Int, _ depth: Int) -> UInt8 { sorted.bytes[starts[k] + depth] }
        struct Pending { var slot: Int32; var lo: Int32; var hi: Int32; var depth: Int32 }
        var queue = [Pending(slot: 0, lo: 0, hi: Int32(sorted.count), depth: 0)]
        var builder = DoubleArrayBuilder()
        var kids: [DoubleArrayBuilder.Kid] = []
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            let depth = Int(node.depth)
            var k = Int(node.lo)
            let hi = Int(node.hi)
            while k < hi, length(k) == depth { k += 1 }
            kids.removeAll(keepingCapacity: true)
            while k < hi {
                let label = byte(k, depth)
                let first = k
                var ending = k   // spellings that end at the child come first in its run
                while ending < hi, length(ending) == depth + 1, byte(ending, depth) == label { ending += 1 }
                k = ending
                while k < hi, byte(k, depth) == label { k += 1 }
                let kidId = ending == first ? -1 : sortedIds[repeated == .keepsFirst ? first : ending - 1]
                kids.append(.init(label: label, lo: Int32(first), hi: Int32(k), id: kidId))
            }
            if kids.isEmpty { continue }
            let base = builder.place(kids, parent: Int(node.slot))
            for kid in kids {
                queue.append(Pending(slot: Int32(base + Int(kid.label)), lo: kid.lo, hi: kid.hi, depth: node.depth + 1))
            }
        }
        self.base = .allocate(capacity: builder.base.count)
        _ = self.base.initialize(from: builder.base)
        self.check = .allocate(capacity: builder.check.count)
        _ = self.check.initialize(from: builder.check)
        self.value = .allocate(capacity: builder.value.count)
        _ = self.value.initialize(from: builder.value)
    }

    deinit {
        base.deallocate()
        check.deallocate()
        value.deallocate()
    }

    /// The child of `node` on `byte`, or -1.
    @inline(__always)
    func child(_ node: Int, _ byte: UInt8) -> Int {
        let slot = Int(base[node]) + Int(byte)
        return slot < check.count && check[slot] == Int32(node) && slot != node ? slot : -1
    }

    /// The piece id that ends at `node`, or -1.
    @inline(__always)
    func pieceId(_ node: Int) -> Int { Int(value[node]) }

    static let root = 0

    /// The id of exactly `bytes[range]`, or -1.
    func exactMatch(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var node = Self.root
        for i in range {
            node = child(node, bytes[i])
            if node < 0 { return -1 }
        }
        return pieceId(node)
    }

    /// The id of exactly `bytes`, or -1.
    func exactMatch(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { exactMatch($0, 0..<$0.count) }
    }

    /// Length of the longest piece that prefixes `bytes[from..<to]`.
    func longestPrefixLength(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        var node = Self.root
        var best: Int?
        var i = from
        while i < to {
            node = child(node, bytes[i])
            if node < 0 { break }
            i += 1
            if pieceId(node) >= 0 { best = i - from }
        }
        return best
    }
}

/// Many byte strings in one buffer: string k is `bytes[range(k)]`.
struct PieceSpellings {
    private(set) var bytes: [UInt8] = []
    /// End of each string in `bytes`.
    private(set) var ends: [Int] = []

    var count: Int { ends.count }

    func range(_ k: Int) -> Range<Int> { (k == 0 ? 0 : ends[k - 1])..<ends[k] }

    mutating func append(_ spelling: some Sequence<UInt8>) {
        bytes.append(contentsOf: spelling)
        ends.append(bytes.count)
    }

    mutating func reserveCapacity(strings: Int, bytes byteCount: Int) {
        ends.reserveCapacity(strings)
        bytes.reserveCapacity(byteCount)
    }
}

/// The double array being filled: each node's children go to the first base where all their slots
/// are free. Only the last `window` slots are searched: older holes are left empty, which costs a
/// little memory and keeps the search short on vocabularies of 250,000 pieces.
private struct DoubleArrayBuilder {
    struct Kid { var label: UInt8; var lo: Int32; var hi: Int32; var id: Int32 }
    static let window = 1024

    var base = [Int32](repeating: 0, count: 512)
    var check = [Int32](repeating: -1, count: 512)
    var value = [Int32](repeating: -1, count: 512)
    /// nextFree[i]: the first free slot at or after i (path-compressed, so skipping is near O(1)).
    private var nextFree = [Int32](0..<512)
    private var highest = 0

    init() { check[0] = 0 }

    private mutating func findFree(_ i: Int) -> Int {
        var root = i
        while root < nextFree.count, Int(nextFree[root]) != root { root = Int(nextFree[root]) }
        var k = i
        while k < nextFree.count, Int(nextFree[k]) != k { let up = Int(nextFree[k]); nextFree[k] = Int32(root); k = up }
        return root
    }

    /// Places `kids` (sorted by label, not empty) under the node at slot `parent`; returns its base.
    mutating func place(_ kids: [Kid], parent: Int) -> Int {
        let firstLabel = Int(kids[0].label)
        var slot = findFree(max(firstLabel + 1, highest - Self.window))
        var candidate = slot - firstLabel
        search: while true {
            for kid in kids.dropFirst() {
                let other = candidate + Int(kid.label)
                if other < check.count, check[other] >= 0 {
                    slot = findFree(slot + 1)
                    candidate = slot - firstLabel
                    continue search
                }
            }
            break
        }
        let needed = candidate + 256
        if needed > check.count {
            let grow = max(needed, check.count * 2) - check.count
            base.append(contentsOf: repeatElement(0, count: grow))
            check.append(contentsOf: repeatElement(-1, count: grow))
            value.append(contentsOf: repeatElement(-1, count: grow))
            nextFree.append(contentsOf: (nextFree.count..<(nextFree.count + grow)).map { Int32($0) })
        }
        base[parent] = Int32(candidate)
        for kid in kids {
            let slot = candidate + Int(kid.label)
            check[slot] = Int32(parent)
            value[slot] = kid.id
            nextFree[slot] = Int32(slot + 1)
            highest = max(highest, slot)
        }
        return candidate
    }
}
