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
    init(pieces: [([UInt8], Int)]) {
        // 1. An ordinary pointer trie.
        var children: [[(label: UInt8, node: Int)]] = [[]]
        var ids: [Int32] = [-1]
        for (bytes, id) in pieces where !bytes.isEmpty {
            var node = 0
            for byte in bytes {
                if let next = children[node].first(where: { $0.label == byte })?.node {
                    node = next
                } else {
                    children.append([])
                    ids.append(-1)
                    children[node].append((byte, children.count - 1))
                    node = children.count - 1
                }
            }
            if ids[node] < 0 { ids[node] = Int32(id) }
        }
        // 2. Place every node's children into one double array, breadth first.
        var base = [Int32](repeating: 0, count: 512)
        var check = [Int32](repeating: -1, count: 512)
        var value = [Int32](repeating: -1, count: 512)
        var slotOf = [Int](repeating: 0, count: children.count)
        check[0] = 0
        value[0] = ids[0]
        // nextFree[i]: the first free slot at or after i (path-compressed, so skipping is near O(1)).
        var nextFree = [Int32](0..<512)
        func findFree(_ i: Int) -> Int {
            var root = i
            while root < nextFree.count, Int(nextFree[root]) != root { root = Int(nextFree[root]) }
            var k = i
            while k < nextFree.count, Int(nextFree[k]) != k { let up = Int(nextFree[k]); nextFree[k] = Int32(root); k = up }
            return root
        }
        var queue = [0]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            let kids = children[node].sorted { $0.label < $1.label }
            if kids.isEmpty { continue }
            let firstLabel = Int(kids[0].label)
            var slot = findFree(firstLabel + 1)
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
            let parentSlot = slotOf[node]
            base[parentSlot] = Int32(candidate)
            for kid in kids {
                let slot = candidate + Int(kid.label)
                check[slot] = Int32(parentSlot)
                value[slot] = ids[kid.node]
                nextFree[slot] = Int32(slot + 1)
                slotOf[kid.node] = slot
                queue.append(kid.node)
            }
        }
        self.base = .allocate(capacity: base.count)
        _ = self.base.initialize(from: base)
        self.check = .allocate(capacity: check.count)
        _ = self.check.initialize(from: check)
        self.value = .allocate(capacity: value.count)
        _ = self.value.initialize(from: value)
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
