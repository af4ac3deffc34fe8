import Foundation
import KoBERTCore

/// The whole file, memory-mapped where the platform allows, so large checkpoints are not copied
/// before their floats are decoded.
final class FileBytes: Sendable {
    let name: String
    let data: Data

    init(path: String) throws {
        self.name = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw KoBERTError("\(path): no such file")
        }
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw KoBERTError("\(path): cannot read (\(error.localizedDescription))")
        }
    }

    init(name: String, data: Data) {
        self.name = name
        self.data = data
    }

    var count: Int { data.count }

    func byte(at offset: Int) -> UInt8 { data[data.startIndex + offset] }

    func copy(_ offset: Int, _ count: Int) -> [UInt8] {
        let start = data.startIndex + offset
        return [UInt8](data[start..<(start + count)])
    }

    /// Runs `body` over `count` raw bytes from `offset`; the caller has bounds-checked the range.
    func withBytes<R>(_ offset: Int, _ count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try data.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + count)]))
        }
    }

    func truncated(_ detail: String) -> KoBERTError {
        KoBERTError("\(name): truncated or corrupt file (\(detail))")
    }
}
