#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sockets passed by systemd socket activation (sd_listen_fds): fds 3…3+LISTEN_FDS-1,
/// valid only when `LISTEN_PID` is this process; `LISTEN_FDNAMES` is colon-separated.
public struct ListenFDs: Sendable, Equatable {
    public struct Socket: Sendable, Equatable {
        public let fd: Int32
        public let name: String
        public init(fd: Int32, name: String) { self.fd = fd; self.name = name }
    }
    public let sockets: [Socket]

    public static let firstDescriptor: Int32 = 3

    public enum ListenError: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case notAListeningStreamSocket(fd: Int32, reason: String)
        public var description: String {
            switch self {
            case .malformed(let s): return "socket activation: \(s)"
            case .notAListeningStreamSocket(let fd, let reason): return "socket activation: fd \(fd) \(reason)"
            }
        }
    }

    /// nil when this process was not socket-activated (no LISTEN_FDS or LISTEN_PID not ours).
    public static func parse(environment: [String: String], pid: Int32 = getpid()) throws -> ListenFDs? {
        guard let countText = environment["LISTEN_FDS"] else { return nil }
        guard let pidText = environment["LISTEN_PID"], let owner = Int32(pidText) else {
            throw ListenError.malformed("LISTEN_FDS is set but LISTEN_PID is missing or not a number")
        }
        guard owner == pid else { return nil }   // meant for another process (e.g. our parent)
        guard let count = Int32(countText), count >= 0, count < 1024 else {
            throw ListenError.malformed("LISTEN_FDS=\(countText) is not a count")
        }
        let names = environment["LISTEN_FDNAMES"].map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) } ?? []
        var sockets: [Socket] = []
        for i in 0..<count {
            let name = Int(i) < names.count ? names[Int(i)] : "unknown"
            sockets.append(Socket(fd: firstDescriptor + i, name: name))
        }
        return ListenFDs(sockets: sockets)
    }

    /// Unsets LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES so children do not inherit them.
    public static func unsetEnvironment() {
        unsetenv("LISTEN_PID"); unsetenv("LISTEN_FDS"); unsetenv("LISTEN_FDNAMES")
    }

    /// Checks the fd is an AF_UNIX stream socket that is listening, and sets FD_CLOEXEC.
    public static func validateUnixListener(_ fd: Int32) throws {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ListenError.notAListeningStreamSocket(fd: fd, reason: "is not open") }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw ListenError.notAListeningStreamSocket(fd: fd, reason: "is not a socket")
        }
        func intOption(_ name: Int32) -> Int32? {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(fd, SOL_SOCKET, name, &value, &length) == 0 ? value : nil
        }
        guard intOption(SO_TYPE) == Int32(SOCK_STREAM.rawValue) else {
            throw ListenError.notAListeningStreamSocket(fd: fd, reason: "is not a stream socket")
        }
        guard intOption(SO_DOMAIN) == AF_UNIX else {
            throw ListenError.notAListeningStreamSocket(fd: fd, reason: "is not an AF_UNIX socket")
        }
        guard intOption(SO_ACCEPTCONN) == 1 else {
            throw ListenError.notAListeningStreamSocket(fd: fd, reason: "is not listening (use Accept=no)")
        }
        let flags = fcntl(fd, F_GETFD)
        if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }
}
