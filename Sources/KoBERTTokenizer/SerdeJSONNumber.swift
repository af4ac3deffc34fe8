/// A JSON number literal read the way serde_json reads it by default (without its
/// `float_roundtrip` feature), which is how HF tokenizers loads a Unigram vocabulary's scores:
/// the digits gathered into a u64 (digits past its range dropped), converted to Double, then
/// multiplied or divided by a power of ten. Two roundings, so about one score in ten differs from
/// the correctly rounded value by an ulp (192 of the 2,000 in Tests/Fixtures/tokenizer-json/unigram),
/// and Viterbi paths whose sums then tie, or not, break the way the reference breaks them.
/// nil for text that is not a JSON number.
enum SerdeJSONNumber {
    static func double<Bytes: Collection>(_ text: Bytes) -> Double? where Bytes.Element == UInt8 {
        var i = text.startIndex
        func peek() -> UInt8? { i < text.endIndex ? text[i] : nil }
        func digit(_ c: UInt8?) -> UInt64? { c.flatMap { $0 >= 48 && $0 <= 57 ? UInt64($0 - 48) : nil } }
        /// serde_json's overflow test for `significand * 10 + d` against u64::MAX.
        func overflows(_ significand: UInt64, _ d: UInt64) -> Bool {
            significand >= UInt64.max / 10 && (significand > UInt64.max / 10 || d > UInt64.max % 10)
        }
        let negative = peek() == UInt8(ascii: "-")
        if negative { i = text.index(after: i) }
        guard let first = digit(peek()) else { return nil }
        var significand = first
        var exponent = 0
        i = text.index(after: i)
        if first == 0, digit(peek()) != nil { return nil }   // one leading zero only
        // Integer digits past u64's range only raise the exponent (serde_json's parse_long_integer).
        var intDropping = false
        while let d = digit(peek()) {
            if intDropping || overflows(significand, d) { intDropping = true; exponent += 1 } else { significand = significand * 10 + d }
            i = text.index(after: i)
        }
        if peek() == UInt8(ascii: ".") {
            i = text.index(after: i)
            guard digit(peek()) != nil else { return nil }
            // Fraction digits are taken while they fit; from the first that does not, all are skipped.
            var fractionDropping = false
            while let d = digit(peek()) {
                if !fractionDropping, !overflows(significand, d) { significand = significand * 10 + d; exponent -= 1 } else { fractionDropping = true }
                i = text.index(after: i)
            }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            i = text.index(after: i)
            var exponentNegative = false
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") {
                exponentNegative = peek() == UInt8(ascii: "-"); i = text.index(after: i)
            }
            guard digit(peek()) != nil else { return nil }
            var written = 0
            while let d = digit(peek()) {
                written = min(written * 10 + Int(d), 1 << 20)   // far past any finite Double either way
                i = text.index(after: i)
            }
            exponent += exponentNegative ? -written : written
        }
        guard i == text.endIndex else { return nil }
        var value = Double(significand)
        while true {
            if abs(exponent) <= 308 {
                let power = powerOfTen[abs(exponent)]
                if exponent >= 0 { value *= power } else { value /= power }
                break
            }
            if value == 0 { break }
            if exponent > 0 { value = .infinity; break }   // serde_json: "number out of range"
            value /= 1e308
            exponent += 308
        }
        return negative ? -value : value
    }

    /// 1e0 … 1e308, each the correctly rounded Double (serde_json's POW10 table).
    private static let powerOfTen: [Double] = (0...308).map { Double("1e\($0)")! }
}
