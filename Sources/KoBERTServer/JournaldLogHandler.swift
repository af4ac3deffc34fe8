import Foundation
import Logging

/// One line per event on stderr. Under systemd (JOURNAL_STREAM set) each line starts with the
/// syslog priority `<N>` that journald turns into the entry's priority; elsewhere it starts with
/// a UTC timestamp and the level. Metadata follows as key=value.
public struct JournaldLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let journald: Bool

    public init(label: String, level: Logger.Level = .info, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.label = label; self.logLevel = level; self.journald = environment["JOURNAL_STREAM"] != nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        write(level: event.level, message: event.message, metadata: event.metadata)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?) {
        var all = metadata
        if let explicit { all.merge(explicit) { _, new in new } }
        let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote("\($0.value)"))" }.joined(separator: " ")
        let text = "\(message)".replacingOccurrences(of: "\n", with: " ")
        let prefix = journald ? "<\(Self.priority(level))>" : "\(Self.timestamp()) \(level) \(label):"
        let lineText = fields.isEmpty ? "\(prefix) \(text)\n" : "\(prefix) \(text) \(fields)\n"
        FileHandle.standardError.write(Data(lineText.utf8))
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    static func quote(_ s: String) -> String {
        s.contains(" ") || s.isEmpty ? "\"\(s.replacingOccurrences(of: "\"", with: "\\\""))\"" : s
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }
}
