/// Framing: a 4-byte unsigned big-endian length N, then N bytes of UTF-8 JSON.
/// N = 0 and N above the receiver's limit are protocol errors.
public enum Frame {
    public static let headerLength = 4
    /// Default largest body a kobertd accepts (1 MiB).
    public static let defaultMaximumLength = 1 << 20

    public static func header(length: Int) -> [UInt8] {
        let n = UInt32(truncatingIfNeeded: length)
        return [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
    }

    public static func encode(_ body: [UInt8]) -> [UInt8] { header(length: body.count) + body }

    /// Reads the length from the first four bytes.
    public static func length(header bytes: some Collection<UInt8>) -> Int {
        bytes.prefix(4).reduce(0) { ($0 << 8) | Int($1) }
    }
}

/// Cuts a byte stream into frame bodies (used by clients; the daemon uses NIO's decoder).
public struct FrameSplitter: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0
    public let maximumLength: Int

    public init(maximumLength: Int = 64 << 20) { self.maximumLength = maximumLength }

    public enum SplitError: Error, Equatable { case frameTooLarge(Int) }

    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next complete body, or nil when more bytes are needed.
    public mutating func next() throws -> [UInt8]? {
        let available = buffer.count - start
        guard available >= Frame.headerLength else { compact(); return nil }
        let length = Frame.length(header: buffer[start..<start + 4])
        if length > maximumLength { throw SplitError.frameTooLarge(length) }
        guard available >= Frame.headerLength + length else { compact(); return nil }
        let body = Array(buffer[start + 4..<start + 4 + length])
        start += 4 + length
        return body
    }

    private mutating func compact() {
        if start > 0 { buffer.removeFirst(start); start = 0 }
    }
}
