/// HF tokenizers' BertNormalizer, in its order: clean_text (drop NUL, U+FFFD and control / format /
/// unassigned scalars; whitespace → " "), handle_chinese_chars (a space each side of a CJK
/// ideograph), strip_accents (NFD, nonspacing marks dropped: Hangul syllables become jamo),
/// lowercase. The stages run fused, scalar by scalar; whatever a scalar becomes keeps that scalar's
/// span of the original text. One exception to "per scalar": NFD puts a run of combining marks in
/// canonical order, and as in the reference the marks move while the spans stay where they were.
struct BertNormalizer: Sendable {
    var cleanText = true
    var handleChineseChars = true
    var stripAccents = false
    var lowercase = false

    static let decompositionMap = UnicodeData.ScalarMap(BertUnicodeTables.decompositionText)
    static let combiningClasses = UnicodeData.ScalarMap(BertUnicodeTables.combiningClassText)
    static let lowercaseMap = UnicodeData.ScalarMap(BertUnicodeTables.lowercaseText)

    /// Normalizes `text[range]` (original code points) into `output`.
    func normalize(_ text: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, into output: inout AlignedScalars) {
        var marks = MarkRun()
        defer { flush(&marks, into: &output) }
        for i in range {
            let scalar = text[i]
            let start = Int32(i), end = Int32(i + 1)
            if scalar < 0x80 {   // ASCII: only controls, whitespace and A–Z change
                var c = scalar
                if cleanText {
                    if c == 0x09 || c == 0x0A || c == 0x0D { c = 0x20 }
                    else if c < 0x20 || c == 0x7F { continue }
                }
                if lowercase && c >= 0x41 && c <= 0x5A { c += 0x20 }
                if !marks.isEmpty { flush(&marks, into: &output) }
                output.append(c, start: start, end: end)
                continue
            }
            var c = scalar
            if cleanText {
                if rangesContain(BertUnicodeTables.removedRanges, c) { continue }
                if rangesContain(BertUnicodeTables.spaceRanges, c) { c = 0x20 }
            }
            let padded = handleChineseChars && rangesContain(BertUnicodeTables.chineseRanges, c)
            if padded {
                if !marks.isEmpty { flush(&marks, into: &output) }
                output.append(0x20, start: start, end: end)
            }
            if stripAccents {
                appendStripped(c, start: start, end: end, marks: &marks, into: &output)
            } else {
                appendLowercased(c, start: start, end: end, into: &output)
            }
            if padded { output.append(0x20, start: start, end: end) }
        }
    }

    /// Combining marks (nonzero class) waiting for the end of their run, to be put in canonical order.
    struct MarkRun {
        var scalars: [UInt32] = []
        var classes: [UInt32] = []
        var starts: [Int32] = []
        var ends: [Int32] = []
        var isEmpty: Bool { scalars.isEmpty }
    }

    /// NFD of one scalar: a class-0 result goes out at once (nonspacing marks dropped), marks wait.
    @inline(__always)
    private func appendStripped(_ c: UInt32, start: Int32, end: Int32, marks: inout MarkRun,
                                into output: inout AlignedScalars) {
        if c >= UnicodeData.hangulFirst && c <= UnicodeData.hangulLast {
            // Hangul syllable → leading consonant, vowel, optional trailing consonant (conjoining jamo).
            if !marks.isEmpty { flush(&marks, into: &output) }
            let index = c - UnicodeData.hangulFirst
            output.append(0x1100 + index / 588, start: start, end: end)
            output.append(0x1161 + (index % 588) / 28, start: start, end: end)
            if index % 28 != 0 { output.append(0x11A7 + index % 28, start: start, end: end) }
            return
        }
        if let entry = Self.decompositionMap.lookup(c) {
            for k in entry.start..<(entry.start + entry.count) {
                appendDecomposed(Self.decompositionMap.flat[k], start: start, end: end, marks: &marks, into: &output)
            }
        } else {
            appendDecomposed(c, start: start, end: end, marks: &marks, into: &output)
        }
    }

    @inline(__always)
    private func appendDecomposed(_ c: UInt32, start: Int32, end: Int32, marks: inout MarkRun,
                                  into output: inout AlignedScalars) {
        if c >= 0x300, let entry = Self.combiningClasses.lookup(c) {   // no mark sits below U+0300
            marks.scalars.append(c)
            marks.classes.append(Self.combiningClasses.flat[entry.start])
            marks.starts.append(start)
            marks.ends.append(end)
            return
        }
        if !marks.isEmpty { flush(&marks, into: &output) }
        if c >= 0x300 && rangesContain(BertUnicodeTables.nonspacingMarkRanges, c) { return }
        appendLowercased(c, start: start, end: end, into: &output)
    }

    /// Canonical ordering: a stable sort of the run's marks by class. The spans do not move with
    /// them (the reference aligns its NFD output by position); then nonspacing marks are dropped.
    private func flush(_ marks: inout MarkRun, into output: inout AlignedScalars) {
        if marks.isEmpty { return }
        var order = Array(0..<marks.scalars.count)
        if order.count > 1 { order.sort { (marks.classes[$0], $0) < (marks.classes[$1], $1) } }
        for (position, index) in order.enumerated() {
            let c = marks.scalars[index]
            if rangesContain(BertUnicodeTables.nonspacingMarkRanges, c) { continue }
            appendLowercased(c, start: marks.starts[position], end: marks.ends[position], into: &output)
        }
        marks.scalars.removeAll(keepingCapacity: true)
        marks.classes.removeAll(keepingCapacity: true)
        marks.starts.removeAll(keepingCapacity: true)
        marks.ends.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private func appendLowercased(_ c: UInt32, start: Int32, end: Int32, into output: inout AlignedScalars) {
        guard lowercase else { output.append(c, start: start, end: end); return }
        if c < 0x80 {
            output.append(c >= 0x41 && c <= 0x5A ? c + 0x20 : c, start: start, end: end)
        } else if (c >= UnicodeData.hangulFirst && c <= UnicodeData.hangulLast) || (c >= 0x1100 && c <= 0x11FF) {
            output.append(c, start: start, end: end)   // Hangul has no case
        } else if let entry = Self.lowercaseMap.lookup(c) {
            for k in entry.start..<(entry.start + entry.count) {
                output.append(Self.lowercaseMap.flat[k], start: start, end: end)
            }
        } else {
            output.append(c, start: start, end: end)
        }
    }
}
