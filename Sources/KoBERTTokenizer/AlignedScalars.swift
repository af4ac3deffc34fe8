/// Code points in which each one remembers the span `[starts[i], ends[i])` of the ORIGINAL text it
/// came from: the WordPiece pipeline's counterpart of AlignedText (HF's NormalizedString alignments).
/// A scalar a rewrite produces (NFD, lower-casing, padding) carries the span of the one it replaced.
struct AlignedScalars {
    var scalars: [UInt32] = []
    var starts: [Int32] = []
    var ends: [Int32] = []

    init(reservingCapacity capacity: Int) {
        scalars.reserveCapacity(capacity)
        starts.reserveCapacity(capacity)
        ends.reserveCapacity(capacity)
    }

    var count: Int { scalars.count }

    @inline(__always)
    mutating func append(_ scalar: UInt32, start: Int32, end: Int32) {
        scalars.append(scalar)
        starts.append(start)
        ends.append(end)
    }
}

/// Is `scalar` inside one of the sorted, disjoint `ranges`? (binary search)
@inline(__always)
func rangesContain(_ ranges: [ClosedRange<UInt32>], _ scalar: UInt32) -> Bool {
    var lo = 0, hi = ranges.count
    while lo < hi {
        let mid = (lo + hi) >> 1
        if ranges[mid].upperBound < scalar { lo = mid + 1 } else { hi = mid }
    }
    return lo < ranges.count && ranges[lo].lowerBound <= scalar
}
