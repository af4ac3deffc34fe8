/// UTF-8 text in which every byte remembers which code points of the user's ORIGINAL input it came
/// from: `[starts[i], ends[i])`. Each stage (KoBERT preprocessing, SentencePiece normalization, the
/// comma rule's re-encoding) maps aligned text to aligned text, so offsets survive every rewrite.
/// A byte with `starts[i] == ends[i]` carries no content of its own (an escaped or inserted space);
/// its start still says where in the input it sits.
struct AlignedText {
    var bytes: [UInt8] = []
    var starts: [Int32] = []
    var ends: [Int32] = []

    init() {}

    init(reservingCapacity capacity: Int) {
        bytes.reserveCapacity(capacity)
        starts.reserveCapacity(capacity)
        ends.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }
    var isEmpty: Bool { bytes.isEmpty }

    @inline(__always)
    mutating func append(_ byte: UInt8, start: Int32, end: Int32) {
        bytes.append(byte)
        starts.append(start)
        ends.append(end)
    }

    /// Appends one code point as UTF-8, every byte carrying the same origin.
    @inline(__always)
    mutating func append(scalar value: UInt32, start: Int32, end: Int32) {
        if value < 0x80 {
            append(UInt8(value), start: start, end: end)
        } else if value < 0x800 {
            append(UInt8(0xC0 | (value >> 6)), start: start, end: end)
            append(UInt8(0x80 | (value & 0x3F)), start: start, end: end)
        } else if value < 0x10000 {
            append(UInt8(0xE0 | (value >> 12)), start: start, end: end)
            append(UInt8(0x80 | ((value >> 6) & 0x3F)), start: start, end: end)
            append(UInt8(0x80 | (value & 0x3F)), start: start, end: end)
        } else {
            append(UInt8(0xF0 | (value >> 18)), start: start, end: end)
            append(UInt8(0x80 | ((value >> 12) & 0x3F)), start: start, end: end)
            append(UInt8(0x80 | ((value >> 6) & 0x3F)), start: start, end: end)
            append(UInt8(0x80 | (value & 0x3F)), start: start, end: end)
        }
    }

    mutating func removeLast(_ k: Int) {
        bytes.removeLast(k)
        starts.removeLast(k)
        ends.removeLast(k)
    }

    /// The span of original code points behind bytes `range`: from the first to the last byte with
    /// content; a range without content (a lone "▁") is the empty span where it sits.
    func originalSpan(_ range: Range<Int>) -> (start: Int, end: Int) {
        var first = -1
        var last = -1
        for i in range where ends[i] > starts[i] {
            if first < 0 { first = i }
            last = i
        }
        if first < 0 {
            let at = range.isEmpty ? 0 : Int(starts[range.lowerBound])
            return (at, at)
        }
        return (Int(starts[first]), Int(ends[last]))
    }
}

/// Length of the UTF-8 sequence a lead byte announces, as SentencePiece counts it (1 for stray bytes).
@inline(__always)
func utf8SequenceLength(_ lead: UInt8) -> Int {
    if lead < 0xC0 { return 1 }
    if lead < 0xE0 { return 2 }
    if lead < 0xF0 { return 3 }
    return 4
}

/// "▁" (U+2581), SentencePiece's visible space, in UTF-8.
let spaceSymbolBytes: (UInt8, UInt8, UInt8) = (0xE2, 0x96, 0x81)
