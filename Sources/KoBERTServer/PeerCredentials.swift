#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// The connecting process as the kernel reports it (SO_PEERCRED): cannot be forged by the peer.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public let pid: Int32
    public let uid: UInt32
    public let gid: UInt32
    public var description: String { "uid=\(uid) gid=\(gid) pid=\(pid)" }

    /// Reads SO_PEERCRED from a connected Unix-domain channel; nil where unsupported.
    static func of(_ channel: Channel) -> EventLoopFuture<PeerCredentials?> {
        #if os(Linux)
        guard let provider = channel as? SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (Glibc hides the type without _GNU_SOURCE)
        let future: EventLoopFuture<RawCredentials> = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET),
                                                                                      name: SocketOptionName(SO_PEERCRED))
        return future.map { Optional(PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid)) }.recover { _ -> PeerCredentials? in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }
}

/// Same layout as C's `struct ucred`: three 32-bit fields.
struct RawCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// The allow-list: empty lists allow everyone who can open the socket file; otherwise the
/// peer's uid or primary gid must be listed.
struct PeerPolicy: Sendable {
    let uids: Set<UInt32>
    let gids: Set<UInt32>
    func allows(_ peer: PeerCredentials?) -> Bool {
        if uids.isEmpty && gids.isEmpty { return true }
        guard let peer else { return false }
        return uids.contains(peer.uid) || gids.contains(peer.gid)
    }
}
