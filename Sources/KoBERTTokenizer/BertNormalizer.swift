/// HF tokenizers' BertNormalizer, in its order: clean_text (drop NUL, U+FFFD and control / format /
/// unassigned scalars; whitespace → " "), handle_chinese_chars (a space each side of a CJK
/// ideograph), strip_accents (NFD, nonspacing marks dropped: Hangul syllables become jamo),
/// lowercase. Every stage maps one scalar to some scalars, so they run fused, scalar by scalar;
/// whatever a scalar becomes keeps that scalar's span of the original text.
struct BertNormalizer: Sendable {
    var cleanText = true
    var handleChineseChars = true
    var stripAccents = false
    var lowercase = false

    static let accentMap = UnicodeData.ScalarMap(BertUnicodeTables.stripAccentsText)
    static let lowercaseMap = UnicodeData.ScalarMap(BertUnicodeTables.lowercaseText)

    /// Normalizes `text[range]` (original code points) into `output`.
    func normalize(_ text: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, into output: inout AlignedScalars) {
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
                output.append(c, start: start, end: end)
                continue
            }
            var c = scalar
            if cleanText {
                if rangesContain(BertUnicodeTables.removedRanges, c) { continue }
                if rangesContain(BertUnicodeTables.spaceRanges, c) { c = 0x20 }
            }
            let padded = handleChineseChars && rangesContain(BertUnicodeTables.chineseRanges, c)
            if padded { output.append(0x20, start: start, end: end) }
            if stripAccents {
                appendStripped(c, start: start, end: end, into: &output)
            } else {
                appendLowercased(c, start: start, end: end, into: &output)
            }
            if padded { output.append(0x20, start: start, end: end) }
        }
    }

    @inline(__always)
    private func appendStripped(_ c: UInt32, start: Int32, end: Int32, into output: inout AlignedScalars) {
        if c >= UnicodeData.hangulFirst && c <= UnicodeData.hangulLast {
            // Hangul syllable → leading consonant, vowel, optional trailing consonant (conjoining jamo).
            let index = c - UnicodeData.hangulFirst
            output.append(0x1100 + index / 588, start: start, end: end)
            output.append(0x1161 + (index % 588) / 28, start: start, end: end)
            if index % 28 != 0 { output.append(0x11A7 + index % 28, start: start, end: end) }
            return
        }
        guard let entry = Self.accentMap.lookup(c) else {
            appendLowercased(c, start: start, end: end, into: &output)
            return
        }
        for k in entry.start..<(entry.start + entry.count) {
            appendLowercased(Self.accentMap.flat[k], start: start, end: end, into: &output)
        }
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
