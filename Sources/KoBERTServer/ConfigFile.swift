import Foundation

/// /etc/kobertd/kobertd.conf: one `key = value` a line, `#` starts a comment, blank lines are
/// ignored, `model` may repeat. Keys are the long option names of kobertd (see systemd/kobertd.conf).
public struct ConfigFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let key: String
        public let value: String
        public let line: Int
    }
    public let path: String
    public let entries: [Entry]

    public static let knownKeys: Set<String> = [
        "socket", "model", "group", "socket-mode", "allow-uid", "allow-gid", "threads", "max-batch",
        "max-wait-ms", "max-queue", "max-texts", "max-frame-bytes", "max-connections", "max-in-flight",
        "max-connections-per-uid", "max-connection-bytes", "max-pieces", "max-batch-bytes",
        "idle-timeout", "read-timeout", "drain-timeout", "log-level", "tokenizer",
    ]

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public init(path: String, text: String) throws {
        self.path = path
        var entries: [Entry] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = String(line).trimmingSpaces()
            if trimmed.isEmpty { continue }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw ParseError(description: "\(path):\(i + 1): expected \"key = value\", got \"\(trimmed)\"")
            }
            let key = String(trimmed[..<eq]).trimmingSpaces().replacingOccurrences(of: "_", with: "-")
            let value = String(trimmed[trimmed.index(after: eq)...]).trimmingSpaces()
            guard Self.knownKeys.contains(key) else {
                throw ParseError(description: "\(path):\(i + 1): unknown key \"\(key)\"")
            }
            guard !value.isEmpty else { throw ParseError(description: "\(path):\(i + 1): \"\(key)\" has no value") }
            entries.append(Entry(key: key, value: value, line: i + 1))
        }
        self.entries = entries
    }

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParseError(description: "\(path): cannot read the config file")
        }
        try self.init(path: path, text: String(decoding: data, as: UTF8.self))
    }

    /// The last value of a key (later lines win), or nil.
    public func value(_ key: String) -> String? { entries.last { $0.key == key }?.value }
    /// Every value of a repeatable key, in file order.
    public func values(_ key: String) -> [String] { entries.filter { $0.key == key }.map(\.value) }

    /// Parses a value with a one-line error naming the file and line.
    public func parsed<T>(_ key: String, _ convert: (String) -> T?) throws -> T? {
        guard let entry = entries.last(where: { $0.key == key }) else { return nil }
        guard let v = convert(entry.value) else {
            throw ParseError(description: "\(path):\(entry.line): bad value \"\(entry.value)\" for \"\(key)\"")
        }
        return v
    }
}
