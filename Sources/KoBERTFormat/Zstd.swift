import CZstd
import KoBERTCore

/// One-shot zstd compression of a blob, and decompression straight into the caller's memory.
enum Zstd {
    /// Level 19 with long matching costs seconds at quantize time and nothing at load time;
    /// int8 weights are near-random bytes, so most of the gain is zstd's Huffman literals.
    static func compress(_ source: UnsafeRawBufferPointer, level: Int32 = 19) throws -> [UInt8] {
        let bound = ZSTD_compressBound(source.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_compress(out.baseAddress, bound, source.baseAddress, source.count, level)
        }
        if ZSTD_isError(written) != 0 {
            throw KoBERTError("zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        }
        output.removeSubrange(written...)
        return output
    }

    /// The decompressed size a frame's header declares; nil when it declares none or is not a
    /// zstd frame. Read before the destination is allocated, so a frame cannot size memory
    /// beyond what its own header promises.
    static func contentSize(_ source: UnsafeRawBufferPointer) -> Int? {
        let size = ZSTD_getFrameContentSize(source.baseAddress, source.count)
        // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest values.
        guard size < UInt64.max - 1, size <= UInt64(Int.max) else { return nil }
        return Int(size)
    }

    /// Decompresses exactly `destination.count` bytes; anything else is an error naming `what`.
    static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                           what: String) throws {
        let produced = ZSTD_decompress(destination.baseAddress, destination.count,
                                       source.baseAddress, source.count)
        if ZSTD_isError(produced) != 0 {
            throw KoBERTError("\(what): zstd data is corrupt (\(String(cString: ZSTD_getErrorName(produced))))")
        }
        if produced != destination.count {
            throw KoBERTError("\(what): decompressed to \(produced) bytes, manifest says \(destination.count)")
        }
    }
}
