/// A strict JSON reader (RFC 8259) for tokenizer.json files of tens of MB. The text is checked and
/// parsed once into a flat list of nodes, one per value in document order, so a 250,000-entry vocab
/// costs no allocation per value; a string is decoded, and a number converted, only when asked for.
/// Numbers keep their literal text, read either correctly rounded (`double`) or exactly as serde_json
/// reads them by default (`serdeDouble`, which HF tokenizers' Unigram scores need); Foundation's
/// JSONSerialization matches neither. Strings must be
/// UTF-8 with valid escapes (a \u surrogate must be half of a pair), nesting deeper than
/// `maximumDepth` is refused, and nothing but whitespace may follow the value: every failure is a
/// one-line `JSONError` with its byte offset.
final class JSONDocument: Sendable {
    enum Kind: UInt8, Sendable {
        case null, falseValue, trueValue, number, string, array, object
    }

    struct Node: Sendable {
        var kind: Kind
        /// A string holding a backslash escape, decoded on access.
        var escaped: Bool
        /// The value's text: a string's contents without the quotes, an array or object with its brackets.
        var start: UInt32
        var end: UInt32
        /// Elements of an array, members of an object (each member is a key node then a value node).
        var count: UInt32
        /// The index of the first node after this value and everything inside it.
        var next: UInt32
    }

    /// serde_json's default recursion limit: a file nested deeper does not load in HF tokenizers either.
    static let maximumDepth = 128

    let bytes: [UInt8]
    let nodes: [Node]

    init(bytes: [UInt8]) throws(JSONError) {
        // Offsets are stored as UInt32; a tokenizer.json is far below this.
        guard bytes.count < Int(UInt32.max) else { throw JSONError(offset: 0, "text of \(bytes.count) bytes is too long") }
        self.bytes = bytes
        var parser = JSONParser()
        nodes = try bytes.withUnsafeBufferPointer { (text) throws(JSONError) -> [Node] in
            try parser.parseDocument(text)
        }
    }

    var root: JSONValue { JSONValue(document: self, index: 0) }

    /// A string node's decoded text (its escapes were validated while parsing).
    fileprivate func string(_ node: Node) -> String {
        let range = Int(node.start)..<Int(node.end)
        guard node.escaped else { return String(decoding: bytes[range], as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let c = bytes[i]
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hexValue(i)
                i += 4
                if scalar >= 0xD800, scalar < 0xDC00 {   // the parser checked that \uDC00–\uDFFF follows
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hexValue(i + 2) - 0xDC00)
                    i += 6
                }
                appendUTF8(scalar, to: &out)
            default: out.append(e)   // " \ /
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func hexValue(_ at: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in at..<(at + 4) { value = value << 4 | UInt32(hexDigit(bytes[k]) ?? 0) }
        return value
    }

    /// Whether a string node spells exactly `key` (compared as UTF-8 bytes, as the reference compares).
    fileprivate func string(_ node: Node, equals key: String) -> Bool {
        if node.escaped { return string(node).utf8.elementsEqual(key.utf8) }
        return bytes[Int(node.start)..<Int(node.end)].elementsEqual(key.utf8)
    }
}

@inline(__always) private func hexDigit(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

private func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case ..<0x80: out.append(UInt8(scalar))
    case ..<0x800: out.append(UInt8(0xC0 | scalar >> 6)); out.append(UInt8(0x80 | scalar & 0x3F))
    case ..<0x10000:
        out.append(UInt8(0xE0 | scalar >> 12)); out.append(UInt8(0x80 | (scalar >> 6) & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
    default:
        out.append(UInt8(0xF0 | scalar >> 18)); out.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
        out.append(UInt8(0x80 | (scalar >> 6) & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
    }
}

/// A malformed JSON text: what is wrong and the byte offset where it was found.
struct JSONError: Error, CustomStringConvertible, Sendable {
    let offset: Int
    let message: String
    init(offset: Int, _ message: String) { self.offset = offset; self.message = message }
    var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// Recursive descent over the bytes; the depth limit bounds the recursion.
private struct JSONParser {
    private var nodes: [JSONDocument.Node] = []
    private var i = 0
    private var depth = 0

    mutating func parseDocument(_ text: UnsafeBufferPointer<UInt8>) throws(JSONError) -> [JSONDocument.Node] {
        // About one node per 8 bytes in tokenizer.json files; reserving avoids most regrowth.
        nodes.reserveCapacity(text.count / 8 + 16)
        skipWhitespace(text)
        try parseValue(text)
        skipWhitespace(text)
        guard i == text.count else { throw JSONError(offset: i, "unexpected \(describe(text, i)) after the value") }
        return nodes
    }

    private mutating func skipWhitespace(_ text: UnsafeBufferPointer<UInt8>) {
        while i < text.count {
            switch text[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private func describe(_ text: UnsafeBufferPointer<UInt8>, _ at: Int) -> String {
        guard at < text.count else { return "end of text" }
        let c = text[at]
        return c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16, uppercase: true))"
    }

    private mutating func parseValue(_ text: UnsafeBufferPointer<UInt8>) throws(JSONError) {
        guard i < text.count else { throw JSONError(offset: i, "unexpected end of text, expected a value") }
        switch text[i] {
        case UInt8(ascii: "{"): try parseContainer(text, object: true)
        case UInt8(ascii: "["): try parseContainer(text, object: false)
        case UInt8(ascii: "\""): try parseString(text)
        case UInt8(ascii: "t"): try parseLiteral(text, "true", .trueValue)
        case UInt8(ascii: "f"): try parseLiteral(text, "false", .falseValue)
        case UInt8(ascii: "n"): try parseLiteral(text, "null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber(text)
        default: throw JSONError(offset: i, "unexpected \(describe(text, i)), expected a value")
        }
    }

    private mutating func append(_ kind: JSONDocument.Kind, _ start: Int, _ end: Int, escaped: Bool = false) {
        nodes.append(JSONDocument.Node(kind: kind, escaped: escaped, start: UInt32(start), end: UInt32(end),
                                       count: 0, next: UInt32(nodes.count + 1)))
    }

    private mutating func parseLiteral(_ text: UnsafeBufferPointer<UInt8>, _ word: StaticString, _ kind: JSONDocument.Kind) throws(JSONError) {
        let length = word.utf8CodeUnitCount
        guard i + length <= text.count,
              (0..<length).allSatisfy({ text[i + $0] == word.utf8Start[$0] }) else {
            throw JSONError(offset: i, "unexpected \(describe(text, i)), expected a value")
        }
        append(kind, i, i + length)
        i += length
    }

    private mutating func parseNumber(_ text: UnsafeBufferPointer<UInt8>) throws(JSONError) {
        let start = i
        func digits(_ parser: inout JSONParser) -> Int {
            let first = parser.i
            while parser.i < text.count, text[parser.i] &- UInt8(ascii: "0") < 10 { parser.i += 1 }
            return parser.i - first
        }
        if text[i] == UInt8(ascii: "-") { i += 1 }
        if i < text.count, text[i] == UInt8(ascii: "0") {
            i += 1
        } else if digits(&self) == 0 {
            throw JSONError(offset: i, "a number needs a digit, found \(describe(text, i))")
        }
        if i < text.count, text[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw JSONError(offset: i, "a number needs a digit after '.', found \(describe(text, i))") }
        }
        if i < text.count, text[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < text.count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw JSONError(offset: i, "a number needs a digit in its exponent, found \(describe(text, i))") }
        }
        append(.number, start, i)
    }

    private mutating func parseString(_ text: UnsafeBufferPointer<UInt8>) throws(JSONError) {
        let opening = i
        i += 1
        let start = i
        var escaped = false
        while true {
            guard i < text.count else { throw JSONError(offset: opening, "unterminated string") }
            let c = text[i]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                escaped = true
                try parseEscape(text)
            } else if c < 0x20 {
                throw JSONError(offset: i, "control character 0x\(String(c, radix: 16, uppercase: true)) in a string")
            } else if c < 0x80 {
                i += 1
            } else {
                guard let length = validUTF8Length(text, i) else { throw JSONError(offset: i, "invalid UTF-8 in a string") }
                i += length
            }
        }
        append(.string, start, i, escaped: escaped)
        i += 1
    }

    /// Checks the escape at `i` (a backslash) and steps over it.
    private mutating func parseEscape(_ text: UnsafeBufferPointer<UInt8>) throws(JSONError) {
        guard i + 1 < text.count else { throw JSONError(offset: i, "unterminated escape") }
        switch text[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 2
        case UInt8(ascii: "u"):
            let unit = try hexEscape(text, i)
            i += 6
            if unit >= 0xDC00, unit < 0xE000 { throw JSONError(offset: i - 6, "\\u escape of a lone low surrogate") }
            if unit >= 0xD800, unit < 0xDC00 {
                guard i + 1 < text.count, text[i] == UInt8(ascii: "\\"), text[i + 1] == UInt8(ascii: "u") else {
                    throw JSONError(offset: i - 6, "\\u escape of a high surrogate without its low half")
                }
                let low = try hexEscape(text, i)
                guard low >= 0xDC00, low < 0xE000 else { throw JSONError(offset: i, "\\u escape after a high surrogate is not a low surrogate") }
                i += 6
            }
        default:
            throw JSONError(offset: i, "invalid escape \\\(describe(text, i + 1))")
        }
    }

    /// The four hex digits of the \u escape at `at`.
    private func hexEscape(_ text: UnsafeBufferPointer<UInt8>, _ at: Int) throws(JSONError) -> UInt32 {
        guard at + 6 <= text.count else { throw JSONError(offset: at, "\\u escape needs four hex digits") }
        var value: UInt32 = 0
        for k in (at + 2)..<(at + 6) {
            guard let digit = hexDigit(text[k]) else { throw JSONError(offset: at, "\\u escape needs four hex digits") }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func parseContainer(_ text: UnsafeBufferPointer<UInt8>, object: Bool) throws(JSONError) {
        depth += 1
        guard depth <= JSONDocument.maximumDepth else {
            throw JSONError(offset: i, "nested deeper than \(JSONDocument.maximumDepth) levels")
        }
        let opening = i
        let index = nodes.count
        append(object ? .object : .array, i, i)
        let close = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
        i += 1
        skipWhitespace(text)
        var count: UInt32 = 0
        if i < text.count, text[i] == close {
            i += 1
        } else {
            while true {
                if object {
                    guard i < text.count, text[i] == UInt8(ascii: "\"") else {
                        throw JSONError(offset: i, "unexpected \(describe(text, i)), expected a member name")
                    }
                    try parseString(text)
                    skipWhitespace(text)
                    guard i < text.count, text[i] == UInt8(ascii: ":") else {
                        throw JSONError(offset: i, "unexpected \(describe(text, i)), expected ':'")
                    }
                    i += 1
                    skipWhitespace(text)
                }
                try parseValue(text)
                count += 1
                skipWhitespace(text)
                guard i < text.count else { throw JSONError(offset: opening, "unterminated \(object ? "object" : "array")") }
                if text[i] == close { i += 1; break }
                guard text[i] == UInt8(ascii: ",") else {
                    throw JSONError(offset: i, "unexpected \(describe(text, i)), expected ',' or '\(Character(Unicode.Scalar(close)))'")
                }
                i += 1
                skipWhitespace(text)
            }
        }
        nodes[index].end = UInt32(i)
        nodes[index].count = count
        nodes[index].next = UInt32(nodes.count)
        depth -= 1
    }
}

/// One value of a JSONDocument. Accessors answer nil for a value of another kind.
struct JSONValue: Sendable {
    let document: JSONDocument
    let index: Int

    private var node: JSONDocument.Node { document.nodes[index] }

    var isNull: Bool { node.kind == .null }

    var string: String? { node.kind == .string ? document.string(node) : nil }

    var bool: Bool? {
        switch node.kind {
        case .trueValue: return true
        case .falseValue: return false
        default: return nil
        }
    }

    /// A number's literal text, exactly as written.
    var numberText: String? {
        node.kind == .number ? String(decoding: document.bytes[Int(node.start)..<Int(node.end)], as: UTF8.self) : nil
    }

    /// A number, correctly rounded from its literal (±infinity beyond Double's range).
    var double: Double? { numberText.flatMap { Double($0) } }

    /// A number as serde_json reads it by default (SerdeJSONNumber): what HF tokenizers' scores are.
    var serdeDouble: Double? {
        node.kind == .number ? SerdeJSONNumber.double(document.bytes[Int(node.start)..<Int(node.end)]) : nil
    }

    /// The value's source text (for error messages), cut after `limit` bytes.
    func sourceText(limit: Int = 200) -> String {
        var node = node
        if node.kind == .string { node.start -= 1; node.end += 1 }
        let end = min(Int(node.end), Int(node.start) + limit)
        return String(decoding: document.bytes[Int(node.start)..<end], as: UTF8.self) + (end < Int(node.end) ? "…" : "")
    }

    /// The number of elements of an array or members of an object (0 for other kinds).
    var count: Int {
        let node = node
        return node.kind == .array || node.kind == .object ? Int(node.count) : 0
    }

    /// An array's element at `position`, nil when out of range or not an array. Walks the elements
    /// before it, so meant for short arrays (a [piece, score] pair); `array` lists long ones.
    subscript(position: Int) -> JSONValue? {
        let node = node
        guard node.kind == .array, position >= 0, position < Int(node.count) else { return nil }
        var k = index + 1
        for _ in 0..<position { k = Int(document.nodes[k].next) }
        return JSONValue(document: document, index: k)
    }

    var isArray: Bool { node.kind == .array }

    var array: [JSONValue]? {
        let node = node
        guard node.kind == .array else { return nil }
        var elements: [JSONValue] = []
        elements.reserveCapacity(Int(node.count))
        var k = index + 1
        for _ in 0..<node.count {
            elements.append(JSONValue(document: document, index: k))
            k = Int(document.nodes[k].next)
        }
        return elements
    }

    /// An object's members in document order (a repeated name appears each time).
    var members: [(key: String, value: JSONValue)]? {
        let node = node
        guard node.kind == .object else { return nil }
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(Int(node.count))
        var k = index + 1
        for _ in 0..<node.count {
            members.append((document.string(document.nodes[k]), JSONValue(document: document, index: k + 1)))
            k = Int(document.nodes[k + 1].next)
        }
        return members
    }

    var isObject: Bool { node.kind == .object }

    /// The member named `key` (the last one when repeated, as JSONSerialization and serde_json's maps
    /// keep it); nil when absent or when this is not an object.
    subscript(key: String) -> JSONValue? {
        let node = node
        guard node.kind == .object else { return nil }
        var found: JSONValue?
        var k = index + 1
        for _ in 0..<node.count {
            if document.string(document.nodes[k], equals: key) { found = JSONValue(document: document, index: k + 1) }
            k = Int(document.nodes[k + 1].next)
        }
        return found
    }
}
