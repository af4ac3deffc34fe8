/// Just enough of the protobuf wire format to read a SentencePiece `ModelProto`:
/// varints, 32-bit floats and length-delimited fields; other wire types are skipped.
/// Every read is bounds-checked, so a truncated or corrupt file becomes an error, never a trap.
struct ProtobufReader {
    enum Value {
        case varint(UInt64)
        case fixed32(UInt32)
        case fixed64(UInt64)
        case bytes(ArraySlice<UInt8>)
    }

    struct Malformed: Error { let reason: String }

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var isAtEnd: Bool { position >= bytes.endIndex }

    /// The next (field number, value), or nil at the end of the message.
    mutating func next() throws -> (field: Int, value: Value)? {
        if isAtEnd { return nil }
        let key = try readVarint()
        let field = Int(truncatingIfNeeded: key >> 3)
        guard field > 0 else { throw Malformed(reason: "field number 0 at byte \(position - bytes.startIndex)") }
        switch key & 7 {
        case 0: return (field, .varint(try readVarint()))
        case 1: return (field, .fixed64(try readFixed(8)))
        case 2:
            let length = try readVarint()
            guard length <= UInt64(bytes.endIndex - position) else {
                throw Malformed(reason: "field \(field) claims \(length) bytes, only \(bytes.endIndex - position) left")
            }
            let start = position
            position += Int(length)
            return (field, .bytes(bytes[start..<position]))
        case 5: return (field, .fixed32(UInt32(truncatingIfNeeded: try readFixed(4))))
        default: throw Malformed(reason: "unsupported wire type \(key & 7) for field \(field)")
        }
    }

    private mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.endIndex else { throw Malformed(reason: "truncated varint") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw Malformed(reason: "varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func readFixed(_ count: Int) throws -> UInt64 {
        guard bytes.endIndex - position >= count else { throw Malformed(reason: "truncated fixed-width field") }
        var result: UInt64 = 0
        for i in 0..<count { result |= UInt64(bytes[position + i]) << UInt64(8 * i) }
        position += count
        return result
    }
}
