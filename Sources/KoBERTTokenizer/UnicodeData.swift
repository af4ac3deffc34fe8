/// Lookups over the generated UnicodeTables (Python's unicodedata, the reference's Unicode version).
enum UnicodeData {
    /// A scalar → scalars map read from a `HEX:HEX,HEX;…` table.
    struct ScalarMap: Sendable {
        private var index: [UInt32: (start: Int32, count: Int32)] = [:]
        private(set) var flat: [UInt32] = []

        init(_ text: String) {
            var key: UInt32 = 0
            var number: UInt32 = 0
            var haveNumber = false
            var values: [UInt32] = []
            func finish() {
                if haveNumber { values.append(number) }
                index[key] = (Int32(flat.count), Int32(values.count))
                flat.append(contentsOf: values)
                values.removeAll(keepingCapacity: true)
                number = 0
                haveNumber = false
            }
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): number = number << 4 | UInt32(byte - UInt8(ascii: "0")); haveNumber = true
                case UInt8(ascii: "A")...UInt8(ascii: "F"): number = number << 4 | UInt32(byte - UInt8(ascii: "A") + 10); haveNumber = true
                case UInt8(ascii: ":"): key = number; number = 0; haveNumber = false
                case UInt8(ascii: ","): values.append(number); number = 0; haveNumber = false
                case UInt8(ascii: ";"): finish()
                default: continue   // line breaks
                }
            }
            finish()
        }

        @inline(__always)
        func lookup(_ scalar: UInt32) -> (start: Int, count: Int)? {
            guard let entry = index[scalar] else { return nil }
            return (Int(entry.start), Int(entry.count))
        }
    }

    static let decompositions = ScalarMap(UnicodeTables.decompositionText)
    static let lowercase = ScalarMap(UnicodeTables.lowercaseText)

    /// Python's str.isspace().
    @inline(__always)
    static func isWhitespace(_ scalar: UInt32) -> Bool {
        if scalar == 0x20 { return true }
        if scalar < 0x09 || (scalar > 0x20 && scalar < 0x85) { return false }
        for range in UnicodeTables.whitespaceRanges where range.contains(scalar) { return true }
        return false
    }

    /// Python's str.isdigit() for one code point.
    static func isDigit(_ scalar: UInt32) -> Bool {
        if scalar < 0x80 { return scalar >= 0x30 && scalar <= 0x39 }
        for range in UnicodeTables.digitRanges where range.contains(scalar) { return true }
        return false
    }

    /// Hangul Jamo, Jamo Extended-A and -B: the letters a syllable decomposes into.
    @inline(__always)
    static func isConjoiningJamo(_ scalar: UInt32) -> Bool {
        (0x1100...0x11FF).contains(scalar) || (0xA960...0xA97F).contains(scalar) || (0xD7B0...0xD7FF).contains(scalar)
    }

    static let hangulFirst: UInt32 = 0xAC00
    static let hangulLast: UInt32 = 0xD7A3
}
