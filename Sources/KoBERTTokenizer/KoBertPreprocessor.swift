/// KoBertTokenizer.preprocess_text, with alignment:
///   " ".join(text.strip().split())   (Python whitespace)
///   "``" → '"', then "''" → '"'
///   NFKD, then drop combining marks (canonical combining class ≠ 0)
///   optional lower-casing (str.lower(), Final_Sigma included)
/// Input is a range of the original code points; output is UTF-8 whose bytes point back into it.
struct KoBertPreprocessor {
    let lowercase: Bool
    /// Shortcut, enabled only when the SentencePiece normalizer is checked to recompose every
    /// syllable's jamo into that syllable: keep a Hangul syllable whole instead of writing its jamo
    /// for the normalizer to put back together — unless conjoining jamo follow it, which could join it.
    let keepHangulSyllables: Bool

    func preprocess(_ original: UnsafeBufferPointer<UInt32>, _ range: Range<Int>) -> AlignedText {
        if !lowercase {
            // Straight to UTF-8.
            var writer = DecomposingWriter(sink: AlignedText(reservingCapacity: range.count * 3 + 8),
                                           keepHangulSyllables: keepHangulSyllables)
            collapseAndRewrite(original, range, into: &writer)
            return writer.sink
        }
        // Lower-casing looks at neighbouring code points (Final_Sigma): keep code points until then.
        var writer = DecomposingWriter(sink: ScalarsWithOrigins(capacity: range.count + 8), keepHangulSyllables: keepHangulSyllables)
        collapseAndRewrite(original, range, into: &writer)
        var out = writer.sink
        lowercaseInPlace(&out.scalars, &out.starts, &out.ends)
        var output = AlignedText(reservingCapacity: out.scalars.count * 3)
        for k in 0..<out.scalars.count { output.append(scalar: out.scalars[k], start: out.starts[k], end: out.ends[k]) }
        return output
    }

    private func collapseAndRewrite<Sink: OriginSink>(_ original: UnsafeBufferPointer<UInt32>, _ range: Range<Int>,
                                                      into out: inout DecomposingWriter<Sink>) {

        // Whitespace collapsing and the quote rewrite in one pass: collapsing never changes which
        // non-space characters are adjacent, so pairs can be found on the original text.
        var i = range.lowerBound
        let end = range.upperBound
        while i < end, UnicodeData.isWhitespace(original[i]) { i += 1 }
        var pendingSpaceStart = -1
        while i < end {
            let scalar = original[i]
            if UnicodeData.isWhitespace(scalar) {
                if pendingSpaceStart < 0 { pendingSpaceStart = i }
                i += 1
                continue
            }
            if pendingSpaceStart >= 0 {
                // One space stands for the whole run it replaced.
                out.appendDecomposed(0x20, Int32(pendingSpaceStart), Int32(i))
                pendingSpaceStart = -1
            }
            if (scalar == 0x60 || scalar == 0x27), i + 1 < end, original[i + 1] == scalar {
                out.appendDecomposed(0x22, Int32(i), Int32(i + 2))
                i += 2
                continue
            }
            out.appendDecomposed(scalar, Int32(i), Int32(i + 1))
            i += 1
        }
    }

    /// str.lower(): full per-scalar mappings, and Σ → ς at the end of a word (Python's Final_Sigma).
    private func lowercaseInPlace(_ scalars: inout [UInt32], _ starts: inout [Int32], _ ends: inout [Int32]) {
        var outScalars: [UInt32] = [], outStarts: [Int32] = [], outEnds: [Int32] = []
        outScalars.reserveCapacity(scalars.count)
        func isCased(_ s: UInt32) -> Bool { Unicode.Scalar(s)?.properties.isCased ?? false }
        func isCaseIgnorable(_ s: UInt32) -> Bool { Unicode.Scalar(s)?.properties.isCaseIgnorable ?? false }
        for k in 0..<scalars.count {
            let scalar = scalars[k]
            if scalar == 0x3A3 {
                var before = k - 1
                while before >= 0, isCaseIgnorable(scalars[before]) { before -= 1 }
                var after = k + 1
                while after < scalars.count, isCaseIgnorable(scalars[after]) { after += 1 }
                let final = before >= 0 && isCased(scalars[before]) && !(after < scalars.count && isCased(scalars[after]))
                outScalars.append(final ? 0x3C2 : 0x3C3); outStarts.append(starts[k]); outEnds.append(ends[k])
            } else if let entry = UnicodeData.lowercase.lookup(scalar) {
                for m in entry.start..<(entry.start + entry.count) {
                    outScalars.append(UnicodeData.lowercase.flat[m]); outStarts.append(starts[k]); outEnds.append(ends[k])
                }
            } else {
                outScalars.append(scalar); outStarts.append(starts[k]); outEnds.append(ends[k])
            }
        }
        scalars = outScalars
        starts = outStarts
        ends = outEnds
    }
}

/// Where NFKD output goes: code points (for lower-casing) or UTF-8 (`AlignedText`).
protocol OriginSink {
    mutating func put(_ scalar: UInt32, _ start: Int32, _ end: Int32)
    /// Takes back the last code point written, which is a Hangul syllable; returns its origin.
    mutating func takeBackSyllable() -> (start: Int32, end: Int32)
}

extension AlignedText: OriginSink {
    @inline(__always)
    mutating func put(_ scalar: UInt32, _ start: Int32, _ end: Int32) { append(scalar: scalar, start: start, end: end) }

    mutating func takeBackSyllable() -> (start: Int32, end: Int32) {
        let origin = (starts[count - 1], ends[count - 1])
        removeLast(3)   // syllables are 3 bytes of UTF-8
        return origin
    }
}

/// The preprocessed code points with their origins.
struct ScalarsWithOrigins: OriginSink {
    var scalars: [UInt32] = []
    var starts: [Int32] = []
    var ends: [Int32] = []

    init(capacity: Int) {
        scalars.reserveCapacity(capacity)
        starts.reserveCapacity(capacity)
        ends.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func put(_ scalar: UInt32, _ start: Int32, _ end: Int32) {
        scalars.append(scalar); starts.append(start); ends.append(end)
    }

    mutating func takeBackSyllable() -> (start: Int32, end: Int32) {
        scalars.removeLast()
        return (starts.removeLast(), ends.removeLast())
    }
}

/// NFKD with combining marks dropped, one code point at a time, into a sink.
struct DecomposingWriter<Sink: OriginSink> {
    var sink: Sink
    let keepHangulSyllables: Bool
    /// The last code point written is a syllable kept whole (and the syllable itself).
    private var keptSyllable: UInt32 = 0

    init(sink: Sink, keepHangulSyllables: Bool) {
        self.sink = sink
        self.keepHangulSyllables = keepHangulSyllables
    }

    @inline(__always)
    private mutating func putJamo(_ syllable: UInt32, _ start: Int32, _ end: Int32) {
        let index = syllable - UnicodeData.hangulFirst
        sink.put(0x1100 + index / 588, start, end)
        sink.put(0x1161 + (index % 588) / 28, start, end)
        if index % 28 != 0 { sink.put(0x11A7 + index % 28, start, end) }
    }

    @inline(__always)
    private mutating func put(_ scalar: UInt32, _ start: Int32, _ end: Int32) {
        if keptSyllable != 0 {
            if UnicodeData.isConjoiningJamo(scalar) {
                // The kept syllable could join with these jamo: write it as jamo after all.
                let origin = sink.takeBackSyllable()
                putJamo(keptSyllable, origin.start, origin.end)
            }
            keptSyllable = 0
        }
        sink.put(scalar, start, end)
    }

    /// NFKD of one scalar with combining marks dropped.
    @inline(__always)
    mutating func appendDecomposed(_ scalar: UInt32, _ start: Int32, _ end: Int32) {
        if scalar < 0xA0 {
            put(scalar, start, end)
        } else if scalar >= UnicodeData.hangulFirst && scalar <= UnicodeData.hangulLast {
            if keepHangulSyllables {
                put(scalar, start, end)
                keptSyllable = scalar
            } else {
                putJamo(scalar, start, end)
            }
        } else if let entry = UnicodeData.decompositions.lookup(scalar) {
            for k in entry.start..<(entry.start + entry.count) {
                put(UnicodeData.decompositions.flat[k], start, end)
            }
        } else {
            put(scalar, start, end)
        }
    }
}
