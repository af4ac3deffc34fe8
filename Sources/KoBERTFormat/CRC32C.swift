/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every blob and of the
/// manifest. Slicing-by-8: eight 256-entry tables let the loop consume 8 bytes per step.
/// Check value: crc32c("123456789") == 0xE3069283.
public enum CRC32C {
    /// Table `slice` occupies entries slice*256 ..< slice*256+256.
    static let table: [UInt32] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            tables[0][byte] = crc
        }
        for byte in 0..<256 {
            for slice in 1..<8 {
                let previous = tables[slice - 1][byte]
                tables[slice][byte] = (previous >> 8) ^ tables[0][Int(previous & 0xFF)]
            }
        }
        return tables.flatMap { $0 }
    }()

    /// The checksum of `count` bytes at `bytes`.
    public static func checksum(_ bytes: UnsafeRawPointer, count: Int) -> UInt32 {
        table.withUnsafeBufferPointer { table -> UInt32 in
            let t = table.baseAddress!
            var crc: UInt32 = 0xFFFF_FFFF
            var p = bytes.assumingMemoryBound(to: UInt8.self)
            var remaining = count
            while remaining >= 8 {
                let low = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
                let high = UInt32(p[4]) | UInt32(p[5]) << 8 | UInt32(p[6]) << 16 | UInt32(p[7]) << 24
                let x = crc ^ low
                crc = t[7 * 256 + Int(x & 0xFF)] ^ t[6 * 256 + Int((x >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((x >> 16) & 0xFF)] ^ t[4 * 256 + Int(x >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                p += 8
                remaining -= 8
            }
            while remaining > 0 {
                crc = t[Int((crc ^ UInt32(p[0])) & 0xFF)] ^ (crc >> 8)
                p += 1
                remaining -= 1
            }
            return crc ^ 0xFFFF_FFFF
        }
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: $0.count) }
    }
}
