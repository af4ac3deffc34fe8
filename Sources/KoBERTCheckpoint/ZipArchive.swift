import KoBERTCore

/// The minimal ZIP reading torch's zip checkpoints need: the central directory (with ZIP64
/// sizes and offsets) and stored, uncompressed entries located through their local headers.
struct ZipArchive {
    struct Entry {
        let name: String
        let dataOffset: Int   // first byte of the entry's data in the file
        let size: Int
        let crc32: UInt32
    }

    let file: FileBytes
    private(set) var entries: [String: Entry] = [:]
    private(set) var names: [String] = []

    private static let endOfCentralDirectory: UInt32 = 0x0605_4B50
    private static let zip64Locator: UInt32 = 0x0706_4B50
    private static let zip64End: UInt32 = 0x0606_4B50
    private static let centralHeader: UInt32 = 0x0201_4B50
    private static let localHeader: UInt32 = 0x0403_4B50
    private static let maximumEntries = 1_000_000

    static func isZip(_ file: FileBytes) -> Bool {
        file.count >= 4 && file.byte(at: 0) == 0x50 && file.byte(at: 1) == 0x4B
            && file.byte(at: 2) == 0x03 && file.byte(at: 3) == 0x04
    }

    init(_ file: FileBytes) throws {
        self.file = file
        let (count, directoryOffset, directorySize) = try Self.locateCentralDirectory(file)
        guard count <= Self.maximumEntries else { throw KoBERTError("\(file.name): zip lists \(count) entries") }
        guard directoryOffset <= file.count, directorySize <= file.count - directoryOffset else {
            throw file.truncated("zip central directory lies outside the file")
        }
        var reader = ByteReader(file, from: directoryOffset, to: directoryOffset + directorySize)
        for _ in 0..<count {
            let entry = try Self.readCentralEntry(&reader, file: file)
            if entries[entry.name] == nil { names.append(entry.name) }
            entries[entry.name] = entry
        }
    }

    /// The bytes of one entry, checked against its CRC (used for the small pickle entries).
    func contents(of name: String) throws -> [UInt8] {
        guard let entry = entries[name] else { throw KoBERTError("\(file.name): zip has no entry \(name)") }
        var reader = ByteReader(file, from: entry.dataOffset)
        let bytes = try reader.slice(entry.size)
        guard CRC32.checksum(bytes) == entry.crc32 else {
            throw KoBERTError("\(file.name): zip entry \(name) is corrupt (CRC mismatch)")
        }
        return bytes
    }

    private static func locateCentralDirectory(_ file: FileBytes) throws -> (count: Int, offset: Int, size: Int) {
        let minimum = 22
        guard file.count >= minimum else { throw file.truncated("too short for a zip end record") }
        // The end record sits in the last 22 + up to 65535 comment bytes; search backwards.
        let lowest = max(0, file.count - minimum - 0xFFFF)
        var position = file.count - minimum
        var found: Int?
        while position >= lowest {
            var probe = ByteReader(file, from: position)
            if try probe.u32() == endOfCentralDirectory { found = position; break }
            position -= 1
        }
        guard let end = found else { throw file.truncated("no zip end-of-central-directory record") }
        var reader = ByteReader(file, from: end + 4)
        try reader.skip(6)  // disk numbers, entries on this disk
        var count = UInt64(try reader.u16())
        var size = UInt64(try reader.u32())
        var offset = UInt64(try reader.u32())
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            guard end >= 20 else { throw file.truncated("zip64 locator missing") }
            var locator = ByteReader(file, from: end - 20)
            guard try locator.u32() == zip64Locator else { throw file.truncated("zip64 locator missing") }
            try locator.skip(4)
            let recordOffset = try locator.u64()
            guard recordOffset < UInt64(file.count) else { throw file.truncated("zip64 end record outside the file") }
            var record = ByteReader(file, from: Int(recordOffset))
            guard try record.u32() == zip64End else { throw file.truncated("zip64 end record missing") }
            try record.skip(8 + 2 + 2 + 4 + 4 + 8)
            count = try record.u64()
            size = try record.u64()
            offset = try record.u64()
        }
        guard count <= UInt64(maximumEntries), size <= UInt64(file.count), offset <= UInt64(file.count) else {
            throw file.truncated("zip central directory out of range")
        }
        let what = "\(file.name): zip central directory"
        return (try CheckedSize.int(count, what), try CheckedSize.int(offset, what), try CheckedSize.int(size, what))
    }

    private static func readCentralEntry(_ reader: inout ByteReader, file: FileBytes) throws -> Entry {
        guard try reader.u32() == centralHeader else { throw file.truncated("bad zip central directory header") }
        try reader.skip(4)  // versions
        let flags = try reader.u16()
        let method = try reader.u16()
        try reader.skip(4)  // time, date
        let crc = try reader.u32()
        var compressed = UInt64(try reader.u32())
        var uncompressed = UInt64(try reader.u32())
        let nameLength = Int(try reader.u16())
        let extraLength = Int(try reader.u16())
        let commentLength = Int(try reader.u16())
        try reader.skip(8)  // disk start, attributes
        var localOffset = UInt64(try reader.u32())
        let nameBytes = try reader.slice(nameLength)
        let name = String(decoding: nameBytes, as: UTF8.self)

        // ZIP64 extra field: the 64-bit values present are those whose 32-bit field is saturated.
        var extra = ByteReader(file, from: reader.position, to: reader.position + extraLength)
        try reader.skip(extraLength)
        while extra.remaining >= 4 {
            let id = try extra.u16()
            let length = Int(try extra.u16())
            var field = ByteReader(file, from: extra.position, to: extra.position + length)
            try extra.skip(length)
            guard id == 0x0001 else { continue }
            if uncompressed == 0xFFFF_FFFF { uncompressed = try field.u64() }
            if compressed == 0xFFFF_FFFF { compressed = try field.u64() }
            if localOffset == 0xFFFF_FFFF { localOffset = try field.u64() }
        }
        try reader.skip(commentLength)

        guard method == 0, compressed == uncompressed else {
            throw KoBERTError("\(file.name): zip entry \(name) is compressed (method \(method)); torch writes stored entries")
        }
        guard flags & 0x1 == 0 else { throw KoBERTError("\(file.name): zip entry \(name) is encrypted") }
        guard localOffset < UInt64(file.count), uncompressed <= UInt64(file.count) else {
            throw file.truncated("zip entry \(name) lies outside the file")
        }
        var local = ByteReader(file, from: try CheckedSize.int(localOffset, "\(file.name): zip entry \(name) offset"))
        guard try local.u32() == localHeader else { throw file.truncated("zip entry \(name) has no local header") }
        try local.skip(22)
        let localName = Int(try local.u16())
        let localExtra = Int(try local.u16())
        try local.skip(localName + localExtra)
        let dataOffset = local.position
        let size = try CheckedSize.int(uncompressed, "\(file.name): zip entry \(name) size")
        guard size <= file.count - dataOffset else {
            throw file.truncated("zip entry \(name) runs past the end of the file")
        }
        return Entry(name: name, dataOffset: dataOffset, size: size, crc32: crc)
    }
}

/// CRC-32 (IEEE), as ZIP stores it.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
