/// The JSON lines `kobert tokenize` writes: {"tokens": [...], "ids": [...], "offsets": [[s, e], ...]}
/// (null offsets for added specials), or {"error": "..."} for a line that cannot be tokenized.
/// Non-ASCII text is written as UTF-8, like Python's json.dumps(..., ensure_ascii=False).
/// Written straight into a byte buffer: the CLI streams hundreds of thousands of these.
public enum TokenizationJSON {
    public static func append(pieces: [String], ids: [Int], offsets: [(start: Int, end: Int)?], to out: inout [UInt8]) {
        appendASCII("{\"tokens\": [", to: &out)
        for (k, piece) in pieces.enumerated() {
            if k > 0 { appendASCII(", ", to: &out) }
            appendString(piece, to: &out)
        }
        appendASCII("], \"ids\": [", to: &out)
        for (k, id) in ids.enumerated() {
            if k > 0 { appendASCII(", ", to: &out) }
            appendNumber(id, to: &out)
        }
        appendASCII("], \"offsets\": [", to: &out)
        for (k, offset) in offsets.enumerated() {
            if k > 0 { appendASCII(", ", to: &out) }
            if let offset {
                out.append(UInt8(ascii: "["))
                appendNumber(offset.start, to: &out)
                appendASCII(", ", to: &out)
                appendNumber(offset.end, to: &out)
                out.append(UInt8(ascii: "]"))
            } else {
                appendASCII("null", to: &out)
            }
        }
        appendASCII("]}", to: &out)
    }

    public static func append(_ pieces: [TokenPiece], to out: inout [UInt8]) {
        append(pieces: pieces.map(\.piece), ids: pieces.map(\.id), offsets: pieces.map { ($0.start, $0.end) }, to: &out)
    }

    public static func append(_ encoding: Encoding, to out: inout [UInt8]) {
        append(pieces: encoding.pieces, ids: encoding.ids, offsets: encoding.offsets, to: &out)
    }

    public static func appendError(_ message: String, to out: inout [UInt8]) {
        appendASCII("{\"error\": ", to: &out)
        appendString(message, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// Space-separated ids, the way `spm_encode --output_format=id` writes a line.
    public static func appendIds(_ pieces: [TokenPiece], to out: inout [UInt8]) {
        for (k, piece) in pieces.enumerated() {
            if k > 0 { out.append(0x20) }
            appendNumber(piece.id, to: &out)
        }
    }

    public static func line(_ pieces: [TokenPiece]) -> String {
        var out: [UInt8] = []
        append(pieces, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func line(_ encoding: Encoding) -> String {
        var out: [UInt8] = []
        append(encoding, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func errorLine(_ message: String) -> String {
        var out: [UInt8] = []
        appendError(message, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func appendASCII(_ text: StaticString, to out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    static func appendNumber(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude == 0 { out.append(UInt8(ascii: "0")); return }
        let start = out.count
        while magnitude > 0 { out.append(UInt8(48 + magnitude % 10)); magnitude /= 10 }
        out[start...].reverse()
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): appendASCII("\\\"", to: &out)
            case UInt8(ascii: "\\"): appendASCII("\\\\", to: &out)
            case UInt8(ascii: "\n"): appendASCII("\\n", to: &out)
            case UInt8(ascii: "\r"): appendASCII("\\r", to: &out)
            case UInt8(ascii: "\t"): appendASCII("\\t", to: &out)
            case 0..<0x20, 0x7F:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                appendASCII("\\u00", to: &out)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)   // UTF-8 passes through (multi-byte sequences never hit the cases above)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Where a byte sequence stops being valid UTF-8 (nil when it is valid throughout).
public func firstInvalidUTF8Offset<Bytes: Collection>(_ bytes: Bytes) -> Int? where Bytes.Element == UInt8 {
    let check = { (buffer: UnsafeBufferPointer<UInt8>) -> Int? in
        var position = 0
        while position < buffer.count {
            guard let length = validUTF8Length(buffer, position) else { return position }
            position += length
        }
        return nil
    }
    if let result = bytes.withContiguousStorageIfAvailable(check) { return result }
    return Array(bytes).withUnsafeBufferPointer(check)
}
