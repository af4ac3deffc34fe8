/// SentencePiece's normalizer: the precompiled charsmap (longest-match rewriting), dropping of
/// leading/trailing/repeated spaces, "▁" escaping and the dummy prefix — byte for byte as
/// sentencepiece's normalizer.cc does it, while carrying each byte's origin along.
struct Normalizer {
    private let trie: DoubleArrayTrie?
    /// Replacement strings, each NUL-terminated; a trie value is an offset into this.
    private let replacements: [UInt8]
    private let userDefined: PieceTrie?
    private let addDummyPrefix: Bool
    private let removeExtraWhitespaces: Bool
    private let escapeWhitespaces: Bool
    private let treatWhitespaceAsSuffix: Bool
    /// One bit per BMP code point: set when no charsmap rule can start with it, so it is copied
    /// without walking the trie (most Hangul and ASCII).
    private let copiedAsIs: [UInt64]

    init(model: SentencePieceModel, userDefinedPieces: PieceTrie?, source: String) throws {
        addDummyPrefix = model.addDummyPrefix
        removeExtraWhitespaces = model.removeExtraWhitespaces
        escapeWhitespaces = model.escapeWhitespaces
        treatWhitespaceAsSuffix = model.treatWhitespaceAsSuffix
        userDefined = userDefinedPieces
        let blob = model.precompiledCharsMap
        if blob.isEmpty {
            trie = nil
            replacements = []
            copiedAsIs = [UInt64](repeating: ~0, count: 1024)
            return
        }
        // <trie size: uint32 little-endian><double array units><replacement strings>
        guard blob.count > 4 else { throw TokenizerError("\(source): precompiled_charsmap is broken (\(blob.count) bytes)") }
        let trieSize = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        guard trieSize % 4 == 0, trieSize + 4 <= blob.count else {
            throw TokenizerError("\(source): precompiled_charsmap trie size \(trieSize) exceeds the blob (\(blob.count) bytes)")
        }
        var units = [UInt32](repeating: 0, count: trieSize / 4)
        for i in 0..<units.count {
            let b = 4 + 4 * i
            units[i] = UInt32(blob[b]) | UInt32(blob[b + 1]) << 8 | UInt32(blob[b + 2]) << 16 | UInt32(blob[b + 3]) << 24
        }
        let trie = DoubleArrayTrie(units: units)
        self.trie = trie
        replacements = Array(blob[(4 + trieSize)...])
        var bits = [UInt64](repeating: 0, count: 1024)
        var utf8: [UInt8] = []
        for value in UInt32(0)..<0x10000 where !(0xD800...0xDFFF).contains(value) {
            utf8.removeAll(keepingCapacity: true)
            if value < 0x80 {
                utf8.append(UInt8(value))
            } else if value < 0x800 {
                utf8.append(UInt8(0xC0 | (value >> 6))); utf8.append(UInt8(0x80 | (value & 0x3F)))
            } else {
                utf8.append(UInt8(0xE0 | (value >> 12))); utf8.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
                utf8.append(UInt8(0x80 | (value & 0x3F)))
            }
            if !trie.hasPathFor(utf8) { bits[Int(value >> 6)] |= 1 << UInt64(value & 63) }
        }
        copiedAsIs = bits
    }

    /// One step of normalization at `position`: how many input bytes it consumes and what it writes
    /// (a slice of `replacements`, or the input character itself when no rule applies).
    private enum Step {
        case copy(length: Int)
        case replace(length: Int, start: Int, end: Int)
        case malformed
    }

    @inline(__always)
    private func step(_ input: UnsafeBufferPointer<UInt8>, _ position: Int) -> Step {
        let end = input.count
        if let userDefined, let length = userDefined.longestPrefixLength(input, from: position, to: end) {
            return .copy(length: length)
        }
        // Fast path: a 1–3 byte character that no rule starts with.
        let lead = input[position]
        if lead < 0x80 {
            if copiedAsIs[Int(lead >> 6)] & (1 << UInt64(lead & 63)) != 0 { return .copy(length: 1) }
        } else if lead >= 0xE1 && lead <= 0xED && position + 2 < end {
            let b1 = input[position + 1], b2 = input[position + 2]
            if b1 & 0xC0 == 0x80 && b2 & 0xC0 == 0x80 && (lead != 0xED || b1 < 0xA0) {   // no surrogates
                let value = Int(lead & 0x0F) << 12 | Int(b1 & 0x3F) << 6 | Int(b2 & 0x3F)
                if copiedAsIs[value >> 6] & (1 << UInt64(value & 63)) != 0 { return .copy(length: 3) }
            }
        }
        if let trie, let match = trie.longestPrefix(input, from: position, to: end),
           match.value >= 0, match.value < replacements.count {
            var stop = match.value
            while stop < replacements.count, replacements[stop] != 0 { stop += 1 }
            return .replace(length: match.length, start: match.value, end: stop)
        }
        guard let length = validUTF8Length(input, position) else { return .malformed }
        return .copy(length: length)
    }

    /// Is the output of this step exactly one " "?
    @inline(__always)
    private func isSingleSpace(_ step: Step, _ input: UnsafeBufferPointer<UInt8>, _ position: Int) -> Bool {
        switch step {
        case .copy(let length): return length == 1 && input[position] == 0x20
        case .replace(_, let start, let end): return end - start == 1 && replacements[start] == 0x20
        case .malformed: return false
        }
    }

    func normalize(_ input: AlignedText) -> AlignedText {
        var output = AlignedText(reservingCapacity: input.count * 3 + 3)
        if input.isEmpty { return output }
        input.bytes.withUnsafeBufferPointer { bytes in
            replacements.withUnsafeBufferPointer { table in
                normalize(bytes, table, input, &output)
            }
        }
        return output
    }

    private func normalize(_ bytes: UnsafeBufferPointer<UInt8>, _ table: UnsafeBufferPointer<UInt8>,
                           _ input: AlignedText, _ output: inout AlignedText) {
        var position = 0
        let count = bytes.count
        if removeExtraWhitespaces {
            while position < count {
                let s = step(bytes, position)
                guard isSingleSpace(s, bytes, position) else { break }
                position += consumed(s)
            }
        }
        if position >= count { return }

        func appendSpace(at origin: Int32) {
            if escapeWhitespaces {
                output.append(spaceSymbolBytes.0, start: origin, end: origin)
                output.append(spaceSymbolBytes.1, start: origin, end: origin)
                output.append(spaceSymbolBytes.2, start: origin, end: origin)
            } else {
                output.append(0x20, start: origin, end: origin)
            }
        }

        if !treatWhitespaceAsSuffix && addDummyPrefix { appendSpace(at: input.starts[position]) }

        var previousWasSpace = removeExtraWhitespaces
        while position < count {
            let s = step(bytes, position)
            let length = consumed(s)
            let origin = (start: input.starts[position], end: input.ends[position + length - 1])
            var written = 0
            switch s {
            case .copy:
                var k = position
                if previousWasSpace { while k < position + length, bytes[k] == 0x20 { k += 1 } }
                while k < position + length {
                    if escapeWhitespaces && bytes[k] == 0x20 {
                        appendSpace(at: origin.end)
                    } else {
                        output.append(bytes[k], start: input.starts[k], end: input.ends[k])
                    }
                    k += 1
                    written += 1
                }
                if written > 0 { previousWasSpace = bytes[position + length - 1] == 0x20 }
            case .replace(_, let start, let end):
                var k = start
                if previousWasSpace { while k < end, table[k] == 0x20 { k += 1 } }
                while k < end {
                    if escapeWhitespaces && table[k] == 0x20 {
                        appendSpace(at: origin.end)
                    } else {
                        output.append(table[k], start: origin.start, end: origin.end)
                    }
                    k += 1
                    written += 1
                }
                if written > 0 { previousWasSpace = table[end - 1] == 0x20 }
            case .malformed:
                output.append(0xEF, start: origin.start, end: origin.end)
                output.append(0xBF, start: origin.start, end: origin.end)
                output.append(0xBD, start: origin.start, end: origin.end)
                previousWasSpace = false
            }
            position += length
            if !removeExtraWhitespaces { previousWasSpace = false }
        }

        if removeExtraWhitespaces {
            if escapeWhitespaces {
                while output.count >= 3, output.bytes[output.count - 3] == spaceSymbolBytes.0,
                      output.bytes[output.count - 2] == spaceSymbolBytes.1,
                      output.bytes[output.count - 1] == spaceSymbolBytes.2 {
                    output.removeLast(3)
                }
            } else {
                while output.count >= 1, output.bytes[output.count - 1] == 0x20 { output.removeLast(1) }
            }
        }
        if treatWhitespaceAsSuffix && addDummyPrefix {
            appendSpace(at: input.ends[count - 1])
        }
    }

    @inline(__always)
    private func consumed(_ step: Step) -> Int {
        switch step {
        case .copy(let length): return length
        case .replace(let length, _, _): return length
        case .malformed: return 1
        }
    }
}

/// Length of the valid UTF-8 sequence at `position`, or nil when it is malformed.
@inline(__always)
func validUTF8Length(_ bytes: UnsafeBufferPointer<UInt8>, _ position: Int) -> Int? {
    let lead = bytes[position]
    if lead < 0x80 { return 1 }
    let length: Int
    var value: UInt32
    switch lead {
    case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
    case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
    case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
    default: return nil
    }
    guard position + length <= bytes.count else { return nil }
    for k in 1..<length {
        let b = bytes[position + k]
        guard b & 0xC0 == 0x80 else { return nil }
        value = value << 6 | UInt32(b & 0x3F)
    }
    switch length {
    case 3: if value < 0x800 || (0xD800...0xDFFF).contains(value) { return nil }
    case 4: if value < 0x10000 || value > 0x10FFFF { return nil }
    default: break
    }
    return length
}
