#if canImport(Glibc)
import Glibc
#endif
import KoBERTProtocol
import NIOCore
import SystemdSupport

/// Where the listening socket comes from: a path we bind (a stale socket file from a crash is
/// replaced only when nobody answers on it) or an fd inherited from systemd (never unlinked).
enum SocketListener {
    struct BindError: Error, CustomStringConvertible { let description: String }

    /// Makes `path` free to bind: absent, or a socket file whose owner is gone.
    static func clearStaleSocket(at path: String) throws {
        guard path.utf8.count <= 103 else {
            throw BindError(description: "\(path): socket path is \(path.utf8.count) bytes; the limit is 103")
        }
        var st = stat()
        guard lstat(path, &st) == 0 else { return }   // nothing there
        guard (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw BindError(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        switch probe(path) {
        case 0:
            throw BindError(description: "\(path): another process is already listening there")
        case ECONNREFUSED, ENOENT:
            if unlink(path) != 0 && errno != ENOENT {
                throw BindError(description: "\(path): cannot remove stale socket: \(String(cString: strerror(errno)))")
            }
        case let code:
            throw BindError(description: "\(path): cannot check the existing socket: \(String(cString: strerror(code)))")
        }
    }

    /// One line naming the path for a failed bind (NIO's IOError names only the syscall).
    static func describeBindFailure(_ error: Error, path: String) -> Error {
        guard let io = error as? IOError else { return error }
        let code = io.errnoCode
        var text = "cannot bind \(path): \(String(cString: strerror(code)))"
        switch code {
        case ENOENT, ENOTDIR: text += " (does the folder exist?)"
        case EACCES, EPERM: text += " (can this user write to the folder?)"
        default: break
        }
        return BindError(description: text)
    }

    /// Tries to connect; 0 when something listens, else the errno.
    static func probe(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        guard let (address, length) = UnixAddress.make(path) else { return ENAMETOOLONG }
        var addr = address
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) } }
        return rc == 0 ? 0 : errno
    }

    /// Applies mode and group to the freshly bound socket file; returns its inode so that
    /// shutdown unlinks only the file we made.
    static func secure(path: String, mode: UInt16, group: UInt32?) throws -> ino_t {
        if chmod(path, mode_t(mode)) != 0 {
            throw BindError(description: "\(path): chmod \(String(mode, radix: 8)) failed: \(String(cString: strerror(errno)))")
        }
        if let group, chown(path, uid_t.max, gid_t(group)) != 0 {
            throw BindError(description: "\(path): cannot set group \(group): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_ino : 0
    }

    /// Unlinks the socket file if it is still the one we bound.
    static func remove(path: String, inode: ino_t) {
        var st = stat()
        if lstat(path, &st) == 0, st.st_ino == inode { unlink(path) }
    }
}
