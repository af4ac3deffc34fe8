import Foundation
import KoBERTCore

/// An opened packed model file: header and manifest verified, blobs read on demand with `pread`
/// (page cache, not resident memory), each checked against its CRC-32C before decompression.
public final class PackFile: Sendable {
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
            // Every header number is checked against the real size before it sizes a read.
            let declaredSize = try CheckedSize.int(header.fileSize, "\(path): header file size")
            guard actualSize >= declaredSize else {
                throw KoBERTError("\(path): truncated: \(actualSize) bytes, the header says \(declaredSize)")
            }
            guard actualSize == declaredSize else {
                throw KoBERTError("\(path): \(actualSize - declaredSize) unexpected bytes after the end of the model")
            }
            let manifestLength = try CheckedSize.int(header.manifestLength, "\(path): header manifest length")
            let dataOffset = try CheckedSize.int(header.dataOffset, "\(path): header data offset")
            let manifestEnd = try CheckedSize.sum(PackFormat.headerSize, manifestLength, "\(path): header manifest length")
            guard dataOffset == PackFormat.aligned(manifestEnd), dataOffset <= actualSize else {
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
                throw KoBERTError("\(path): manifest is not valid: \(ManifestDecodingFailure.describe(error))")
            }
            try manifest.validate(file: path, dataSize: actualSize - dataOffset)
            self.path = path
            self.manifest = manifest
            self.fileSize = actualSize
            self.descriptor = fd
            self.dataOffset = dataOffset
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Reads, verifies and decompresses one blob into `destination` (exactly `ref.rawSize` bytes).
    public func readBlob(_ ref: BlobRef, what: String, into destination: UnsafeMutableRawBufferPointer) throws {
        let stored = try storedFrame(ref, what: what)
        guard destination.count == ref.rawSize else {
            throw KoBERTError("\(path): \(what): \(destination.count) bytes asked for, the manifest says \(ref.rawSize)")
        }
        try stored.withUnsafeBytes { try Zstd.decompress($0, into: destination, what: "\(path): \(what)") }
    }

    /// The stored bytes of a blob, checksum-verified, whose zstd frame declares exactly
    /// `ref.rawSize` bytes: checked before anything of that size is allocated.
    private func storedFrame(_ ref: BlobRef, what: String) throws -> [UInt8] {
        let stored = try Self.read(descriptor, at: dataOffset + ref.offset, count: ref.storedSize, path: path)
        guard CRC32C.checksum(stored) == ref.crc32c else {
            throw KoBERTError("\(path): checksum mismatch in \(what) (file is corrupt)")
        }
        let declared = stored.withUnsafeBytes { Zstd.contentSize($0) }
        guard declared == ref.rawSize else {
            let said = declared.map { "\($0) bytes" } ?? "no size"
            throw KoBERTError("\(path): \(what): the zstd frame declares \(said), the manifest says \(ref.rawSize) (file is corrupt)")
        }
        return stored
    }

    /// A blob decoded straight into a new array of `count` elements (no zero-filling first).
    package func blobArray<T>(_ ref: BlobRef, of: T.Type, count: Int, what: String) throws -> [T] {
        let bytes = try CheckedSize.product(count, MemoryLayout<T>.stride, "\(path): \(what)")
        guard ref.rawSize == bytes else {
            throw KoBERTError("\(path): \(what) holds \(ref.rawSize) bytes, its shape needs \(bytes)")
        }
        let stored = try storedFrame(ref, what: what)
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try stored.withUnsafeBytes {
                try Zstd.decompress($0, into: UnsafeMutableRawBufferPointer(buffer), what: "\(path): \(what)")
            }
            initialized = count
        }
    }

    public func blobBytes(_ ref: BlobRef, what: String) throws -> [UInt8] {
        try blobArray(ref, of: UInt8.self, count: ref.rawSize, what: what)
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
            if let model = tokenizer.model { all.append(("tokenizer model", model)) }
            if let vocab = tokenizer.vocab { all.append(("tokenizer vocab", vocab)) }
            for file in tokenizer.files ?? [] { all.append(("tokenizer file \(file.name)", file.data)) }
        }
        return all
    }
}
