/// The JSON lines `kobert tokenize` writes: {"tokens": [...], "ids": [...], "offsets": [[s, e], ...]}
/// (null offsets for added specials), or {"error": "..."} for a line that cannot be tokenized.
/// Non-ASCII text is written as UTF-8, like Python's json.dumps(..., ensure_ascii=False).
public enum TokenizationJSON {
    public static func line(pieces: [String], ids: [Int], offsets: [(start: Int, end: Int)?]) -> String {
        var out = "{\"tokens\": ["
        for (k, piece) in pieces.enumerated() {
            if k > 0 { out += ", " }
            appendString(piece, to: &out)
        }
        out += "], \"ids\": ["
        out += ids.map(String.init).joined(separator: ", ")
        out += "], \"offsets\": ["
        for (k, offset) in offsets.enumerated() {
            if k > 0 { out += ", " }
            if let offset { out += "[\(offset.start), \(offset.end)]" } else { out += "null" }
        }
        out += "]}"
        return out
    }

    public static func line(_ pieces: [TokenPiece]) -> String {
        line(pieces: pieces.map(\.piece), ids: pieces.map(\.id), offsets: pieces.map { ($0.start, $0.end) })
    }

    public static func line(_ encoding: Encoding) -> String {
        line(pieces: encoding.pieces, ids: encoding.ids, offsets: encoding.offsets)
    }

    public static func errorLine(_ message: String) -> String {
        var out = "{\"error\": "
        appendString(message, to: &out)
        out += "}"
        return out
    }

    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// Where a byte sequence stops being valid UTF-8 (nil when it is valid throughout).
public func firstInvalidUTF8Offset<Bytes: Collection>(_ bytes: Bytes) -> Int? where Bytes.Element == UInt8 {
    let array = Array(bytes)
    return array.withUnsafeBufferPointer { buffer -> Int? in
        var position = 0
        while position < buffer.count {
            guard let length = validUTF8Length(buffer, position) else { return position }
            position += length
        }
        return nil
    }
}
