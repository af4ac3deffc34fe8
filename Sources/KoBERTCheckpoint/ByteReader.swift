import KoBERTCore

/// A bounds-checked little-endian cursor over a file's bytes. Every read that would run past the
/// end throws one error naming the file, so no reader ever indexes out of range.
struct ByteReader {
    let bytes: FileBytes
    private(set) var position: Int
    let end: Int

    init(_ bytes: FileBytes, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { max(0, end - position) }
    var atEnd: Bool { position >= end }

    mutating func seek(to offset: Int) throws {
        guard offset >= 0, offset <= end else { throw bytes.truncated("offset \(offset) is outside the file") }
        position = offset
    }

    mutating func skip(_ count: Int) throws {
        guard count >= 0, count <= remaining else { throw bytes.truncated("needs \(count) more bytes") }
        position += count
    }

    mutating func u8() throws -> UInt8 {
        guard position < end else { throw bytes.truncated("needs 1 more byte") }
        defer { position += 1 }
        return bytes.byte(at: position)
    }

    mutating func u16() throws -> UInt16 { UInt16(truncatingIfNeeded: try unsigned(2)) }
    mutating func u32() throws -> UInt32 { UInt32(truncatingIfNeeded: try unsigned(4)) }
    mutating func u64() throws -> UInt64 { try unsigned(8) }

    /// Little-endian unsigned integer of `width` bytes (width ≤ 8).
    mutating func unsigned(_ width: Int) throws -> UInt64 {
        guard width <= remaining else { throw bytes.truncated("needs \(width) more bytes") }
        var value: UInt64 = 0
        for index in 0..<width {
            value |= UInt64(bytes.byte(at: position + index)) << (8 * UInt64(index))
        }
        position += width
        return value
    }

    mutating func slice(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw bytes.truncated("needs \(count) more bytes") }
        defer { position += count }
        return bytes.copy(position, count)
    }

    /// Bytes up to (not including) the next `terminator`, which is consumed.
    mutating func line(terminator: UInt8 = 0x0A, limit: Int = 4096) throws -> [UInt8] {
        var result: [UInt8] = []
        while true {
            let byte = try u8()
            if byte == terminator { return result }
            result.append(byte)
            if result.count > limit { throw KoBERTError("\(bytes.name): a text line longer than \(limit) bytes") }
        }
    }
}
