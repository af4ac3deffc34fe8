import Foundation
import KoBERTCore

/// Collects compressed blobs and writes the container in one go: header, manifest, data section.
/// The output appears atomically (temporary file in the same folder, fsync, rename).
public final class PackWriter {
    private var blobs: [[UInt8]] = []
    private var dataSize = 0
    public let compressionLevel: Int32

    public init(compressionLevel: Int32 = 19) { self.compressionLevel = compressionLevel }

    /// Compresses `raw` and appends it to the data section.
    public func addBlob(_ raw: UnsafeRawBufferPointer) throws -> BlobRef {
        let stored = try Zstd.compress(raw, level: compressionLevel)
        return append(stored: stored, rawSize: raw.count)
    }

    /// Compresses many blobs on all cores; results keep the order of `raws`.
    public func addBlobs(_ raws: [[UInt8]]) throws -> [BlobRef] {
        var results = [Result<[UInt8], Error>?](repeating: nil, count: raws.count)
        let level = compressionLevel
        results.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots   // each iteration writes only its own slot
            DispatchQueue.concurrentPerform(iterations: raws.count) { i in
                slots[i] = Result { try raws[i].withUnsafeBytes { try Zstd.compress($0, level: level) } }
            }
        }
        return try zip(results, raws).map { result, raw in
            append(stored: try result!.get(), rawSize: raw.count)
        }
    }

    private func append(stored: [UInt8], rawSize: Int) -> BlobRef {
        let ref = BlobRef(offset: dataSize, storedSize: stored.count, rawSize: rawSize,
                          crc32c: CRC32C.checksum(stored))
        blobs.append(stored)
        dataSize += stored.count
        return ref
    }

    /// Writes the file; returns its size in bytes. Nothing exists at `path` unless this succeeds.
    @discardableResult
    public func write(manifest: PackManifest, to path: String) throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let manifestBytes = [UInt8](try encoder.encode(manifest))
        let dataOffset = PackFormat.aligned(PackFormat.headerSize + manifestBytes.count)
        let fileSize = dataOffset + dataSize
        let header = PackFormat.Header(version: UInt32(PackFormat.version),
                                       manifestLength: UInt64(manifestBytes.count),
                                       manifestCRC: CRC32C.checksum(manifestBytes),
                                       dataOffset: UInt64(dataOffset), fileSize: UInt64(fileSize))
        let temporary = AtomicOutput.temporaryPath(for: path)
        AtomicOutput.register(temporary)
        defer { AtomicOutput.unregister() }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw KoBERTError("\(path): cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        do {
            try writeAll(fd, header.encoded(), path: path)
            try writeAll(fd, manifestBytes, path: path)
            try writeAll(fd, [UInt8](repeating: 0, count: dataOffset - PackFormat.headerSize - manifestBytes.count), path: path)
            for blob in blobs { try writeAll(fd, blob, path: path) }
            guard fsync(fd) == 0 else { throw KoBERTError("\(path): fsync failed: \(String(cString: strerror(errno)))") }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw KoBERTError("\(path): cannot rename the finished file into place: \(reason)")
        }
        return fileSize
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw KoBERTError("\(path): write failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }
}

/// The temporary file being written, so a SIGINT / SIGTERM handler can remove it before exiting.
public enum AtomicOutput {
    // A C string kept alive for the signal handler, which may not allocate.
    nonisolated(unsafe) static var pending: UnsafeMutablePointer<CChar>? = nil
    nonisolated(unsafe) static var scratch: UnsafeMutablePointer<CChar>? = nil

    package static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
    }

    static func register(_ path: String) { pending = strdup(path) }

    static func unregister() {
        let old = pending
        pending = nil
        free(old)
    }

    /// A second file (the quantizer's calibration copy) removed on interrupt too.
    package static func registerScratch(_ path: String) { scratch = strdup(path) }

    package static func unregisterScratch() {
        let old = scratch
        scratch = nil
        free(old)
    }

    /// Installs handlers for SIGINT and SIGTERM that delete the unfinished output and exit 130 / 143.
    public static func removeOnInterrupt() {
        let handler: @convention(c) (Int32) -> Void = { signal in
            if let path = AtomicOutput.pending { unlink(path) }
            if let path = AtomicOutput.scratch { unlink(path) }
            _exit(128 + signal)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }
}
