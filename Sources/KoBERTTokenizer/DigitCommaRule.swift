/// KoBertTokenizer._tokenize's comma rule: a piece that ends in a digit and "," (like "▁1,") is
/// re-encoded without its "▁"s and the comma, and the comma becomes a piece of its own. When the
/// original piece had no leading "▁", the re-encoding's dummy "▁" is taken off again.
struct DigitCommaRule {
    /// Does this piece (normalized UTF-8) need the rule: more than one code point, the last ","
    /// and the one before it a digit (str.isdigit)?
    static func applies(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 2, bytes.last == 0x2C else { return false }
        var k = bytes.endIndex - 2
        while k > bytes.startIndex, bytes[k] & 0xC0 == 0x80 { k -= 1 }
        var value = UInt32(bytes[k])
        let length = utf8SequenceLength(bytes[k])
        guard k + length == bytes.endIndex - 1 else { return false }
        if length > 1 {
            value &= UInt32(0xFF >> (length + 1))
            for m in (k + 1)..<(k + length) { value = value << 6 | UInt32(bytes[m] & 0x3F) }
        }
        return UnicodeData.isDigit(value)
    }

    /// The piece's text minus its final comma and all its "▁", with origins kept.
    static func reencodingInput(_ normalized: AlignedText, _ range: Range<Int>) -> AlignedText {
        var text = AlignedText(reservingCapacity: range.count)
        var k = range.lowerBound
        let stop = range.upperBound - 1   // drop the comma
        while k < stop {
            if k + 3 <= stop, normalized.bytes[k] == spaceSymbolBytes.0,
               normalized.bytes[k + 1] == spaceSymbolBytes.1, normalized.bytes[k + 2] == spaceSymbolBytes.2 {
                k += 3
                continue
            }
            text.append(normalized.bytes[k], start: normalized.starts[k], end: normalized.ends[k])
            k += 1
        }
        return text
    }
}
