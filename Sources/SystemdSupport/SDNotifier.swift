#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// sd_notify without libsystemd: one AF_UNIX datagram of newline-separated KEY=VALUE lines
/// sent to `$NOTIFY_SOCKET`. A leading "/" is a path; a leading "@" names an abstract socket
/// (the "@" becomes a NUL byte and the address length stops at the name's end).
public struct SDNotifier: Sendable {
    /// The socket address as systemd gave it; nil when not run by systemd (every send is a no-op).
    public let socketPath: String?

    public init(socketPath: String?) {
        if let p = socketPath, p.hasPrefix("/") || p.hasPrefix("@") { self.socketPath = p } else { self.socketPath = nil }
    }

    /// Reads `NOTIFY_SOCKET` from the environment.
    public init(environment: [String: String]) { self.init(socketPath: environment["NOTIFY_SOCKET"]) }

    public var isEnabled: Bool { socketPath != nil }

    public enum Message: Sendable, Equatable {
        case ready, stopping, reloading(monotonicMicroseconds: UInt64), watchdog
        case status(String)

        public var line: String {
            switch self {
            case .ready: return "READY=1"
            case .stopping: return "STOPPING=1"
            case .reloading(let usec): return "RELOADING=1\nMONOTONIC_USEC=\(usec)"
            case .watchdog: return "WATCHDOG=1"
            case .status(let s): return "STATUS=" + s.replacingNewlines()
            }
        }
    }

    /// Sends the messages in one datagram. Returns false when not enabled or on a send error
    /// (notification is best effort: systemd's absence must never stop the daemon).
    @discardableResult
    public func send(_ messages: [Message]) -> Bool {
        guard let path = socketPath, !messages.isEmpty else { return false }
        return Self.sendDatagram(messages.map(\.line).joined(separator: "\n"), to: path)
    }

    @discardableResult
    public func send(_ messages: Message...) -> Bool { send(messages) }

    static func sendDatagram(_ text: String, to path: String) -> Bool {
        #if os(Linux)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard let (address, length) = UnixAddress.make(path) else { return false }
        var addr = address
        let bytes = Array(text.utf8)
        let sent = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), sa, length)
            }
        }
        return sent == bytes.count
    }
}

/// Builds `sockaddr_un` for a path or an "@abstract" name.
public enum UnixAddress {
    public static func make(_ path: String) -> (sockaddr_un, socklen_t)? {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var name = Array(path.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        // A path needs room for its terminating NUL; an abstract name does not.
        guard !name.isEmpty, name.count <= (abstract ? capacity : capacity - 1) else { return nil }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in name.enumerated() { raw[i] = b }
        }
        let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        let length = abstract ? offset + name.count : offset + name.count + 1
        return (addr, socklen_t(length))
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(self.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
