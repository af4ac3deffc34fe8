import Foundation
import KoBERTCore

/// An opened packed model file: header and manifest verified, blobs read on demand with `pread`
/// (page cache, not resident memory), each checked against its CRC-32C before decompression.
public final class PackFile: @unchecked Sendable {
    public let path: String
    public let manifest: PackManifest
    public let fileSize: Int
    private let descriptor: Int32
    private let dataOffset: Int

    public init(path: String) throws {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw KoBERTError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        do {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw KoBERTError("\(path): cannot stat: \(String(cString: strerror(errno)))") }
            guard (info.st_mode & S_IFMT) == S_IFREG else { throw KoBERTError("\(path): not a regular file") }
            let actualSize = Int(info.st_size)
            let header = try PackFormat.Header.decode(try Self.read(fd, at: 0, count: min(actualSize, PackFormat.headerSize), path: path), file: path)
            guard actualSize >= Int(header.fileSize) else {
                throw KoBERTError("\(path): truncated: \(actualSize) bytes, the header says \(header.fileSize)")
            }
            guard actualSize == Int(header.fileSize) else {
                throw KoBERTError("\(path): \(actualSize - Int(header.fileSize)) unexpected bytes after the end of the model")
            }
            let manifestLength = Int(header.manifestLength)
            guard PackFormat.headerSize + manifestLength <= Int(header.dataOffset), Int(header.dataOffset) <= actualSize else {
                throw KoBERTError("\(path): header is inconsistent (manifest or data section out of bounds)")
            }
            let manifestBytes = try Self.read(fd, at: PackFormat.headerSize, count: manifestLength, path: path)
            guard CRC32C.checksum(manifestBytes) == header.manifestCRC else {
                throw KoBERTError("\(path): manifest checksum mismatch (file is corrupt)")
            }
            let manifest: PackManifest
            do {
                manifest = try JSONDecoder().decode(PackManifest.self, from: Data(manifestBytes))
            } catch {
                throw KoBERTError("\(path): manifest is not valid: \(error)")
            }
            guard manifest.formatVersion == PackFormat.version else {
                throw KoBERTError("\(path): unknown format version \(manifest.formatVersion) in the manifest")
            }
            let dataSize = actualSize - Int(header.dataOffset)
            for blob in manifest.allBlobs() where blob.ref.offset < 0 || blob.ref.storedSize < 0 || blob.ref.rawSize < 0
                || blob.ref.offset + blob.ref.storedSize > dataSize {
                throw KoBERTError("\(path): \(blob.what) lies outside the data section")
            }
            self.path = path
            self.manifest = manifest
            self.fileSize = actualSize
            self.descriptor = fd
            self.dataOffset = Int(header.dataOffset)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Reads, verifies and decompresses one blob into `destination` (exactly `ref.rawSize` bytes).
    public func readBlob(_ ref: BlobRef, what: String, into destination: UnsafeMutableRawBufferPointer) throws {
        precondition(destination.count == ref.rawSize)
        let stored = try Self.read(descriptor, at: dataOffset + ref.offset, count: ref.storedSize, path: path)
        guard CRC32C.checksum(stored) == ref.crc32c else {
            throw KoBERTError("\(path): checksum mismatch in \(what) (file is corrupt)")
        }
        try stored.withUnsafeBytes { try Zstd.decompress($0, into: destination, what: "\(path): \(what)") }
    }

    /// A blob decoded straight into a new array of `count` elements (no zero-filling first).
    func blobArray<T>(_ ref: BlobRef, of: T.Type, count: Int, what: String) throws -> [T] {
        precondition(ref.rawSize == count * MemoryLayout<T>.stride)
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try readBlob(ref, what: what, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    public func blobBytes(_ ref: BlobRef, what: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: ref.rawSize)
        try bytes.withUnsafeMutableBytes { try readBlob(ref, what: what, into: $0) }
        return bytes
    }

    /// Every blob's checksum and decompressed size, without keeping the data. Used by `inspect --verify`.
    public func verifyAll() throws {
        for blob in manifest.allBlobs() { _ = try blobBytes(blob.ref, what: blob.what) }
    }

    private static func read(_ fd: Int32, at offset: Int, count: Int, path: String) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw KoBERTError("\(path): read failed: \(String(cString: strerror(errno)))")
                }
                if n == 0 { throw KoBERTError("\(path): truncated while reading at byte \(offset + done)") }
                done += n
            }
            initialized = count
        }
    }
}

extension PackManifest {
    /// Each blob with a name for error messages ("tensor X", "scales of tensor X", "tokenizer model").
    func allBlobs() -> [(what: String, ref: BlobRef)] {
        var all: [(String, BlobRef)] = []
        for tensor in tensors {
            all.append(("tensor \(tensor.name)", tensor.data))
            if let scales = tensor.scales { all.append(("scales of tensor \(tensor.name)", scales)) }
            if let inputScales = tensor.inputScales { all.append(("input scales of tensor \(tensor.name)", inputScales)) }
        }
        if let tokenizer {
            all.append(("tokenizer model", tokenizer.model))
            all.append(("tokenizer vocab", tokenizer.vocab))
        }
        return all
    }
}
