/// Read-only view of a darts-clone double-array trie, the format of SentencePiece's
/// `precompiled_charsmap`. Each 32-bit unit packs a label, a has-leaf bit and an offset (or, on a
/// leaf unit, a value). Lookups are bounds-checked: a corrupt array yields "no match", never a trap.
struct DoubleArrayTrie {
    private let units: [UInt32]

    init(units: [UInt32]) { self.units = units }

    @inline(__always) private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    @inline(__always) private static func value(_ unit: UInt32) -> Int { Int(unit & 0x7FFF_FFFF) }
    @inline(__always) private static func label(_ unit: UInt32) -> UInt32 { unit & 0x8000_00FF }
    @inline(__always) private static func offset(_ unit: UInt32) -> Int {
        Int((unit >> 10) << ((unit & (1 << 9)) >> 6))
    }

    /// Could some key start with exactly these bytes (every transition exists)?
    func hasPathFor(_ bytes: [UInt8]) -> Bool {
        guard !units.isEmpty else { return false }
        var nodePosition = Self.offset(units[0])
        for byte in bytes {
            nodePosition ^= Int(byte)
            guard nodePosition >= 0, nodePosition < units.count else { return false }
            let unit = units[nodePosition]
            guard Self.label(unit) == UInt32(byte) else { return false }
            nodePosition ^= Self.offset(unit)
        }
        return true
    }

    /// The longest key that is a prefix of `bytes[from..<to]`: (its length in bytes, its value).
    func longestPrefix(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> (length: Int, value: Int)? {
        guard !units.isEmpty else { return nil }
        var best: (length: Int, value: Int)?
        var nodePosition = Self.offset(units[0])
        var i = from
        while i < to {
            let byte = bytes[i]
            nodePosition ^= Int(byte)
            guard nodePosition >= 0, nodePosition < units.count else { return best }
            let unit = units[nodePosition]
            guard Self.label(unit) == UInt32(byte) else { return best }
            nodePosition ^= Self.offset(unit)
            guard nodePosition >= 0, nodePosition < units.count else { return best }
            if Self.hasLeaf(unit) {
                best = (i + 1 - from, Self.value(units[nodePosition]))
            }
            i += 1
        }
        return best
    }
    /// The value of the SHORTEST key that is a prefix of `bytes` (a NUL byte ends the search): what
    /// HF tokenizers' Precompiled normalizer takes (the first result of its common-prefix search).
    func shortestPrefixValue(_ bytes: [UInt8]) -> Int? {
        guard !units.isEmpty else { return nil }
        var nodePosition = Self.offset(units[0])
        for byte in bytes {
            if byte == 0 { return nil }
            nodePosition ^= Int(byte)
            guard nodePosition >= 0, nodePosition < units.count else { return nil }
            let unit = units[nodePosition]
            guard Self.label(unit) == UInt32(byte) else { return nil }
            nodePosition ^= Self.offset(unit)
            guard nodePosition >= 0, nodePosition < units.count else { return nil }
            if Self.hasLeaf(unit) { return Self.value(units[nodePosition]) }
        }
        return nil
    }
}
