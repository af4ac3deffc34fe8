import Foundation
import Synchronization

/// Open connections per peer uid (SO_PEERCRED), so that one user cannot hold every slot of
/// `max-connections` and lock the others out. Peers whose credentials cannot be read share
/// one count.
final class UIDConnectionLimit: Sendable {
    let limit: Int
    private let open = Mutex<[UInt32?: Int]>([:])

    init(limit: Int) { self.limit = max(1, limit) }

    /// Counts a connection of `uid` unless it already holds `limit`; each success needs one `release`.
    func tryOpen(uid: UInt32?) -> Bool {
        open.withLock { open in
            let current = open[uid, default: 0]
            guard current < limit else { return false }
            open[uid] = current + 1
            return true
        }
    }

    func release(uid: UInt32?) {
        open.withLock { open in
            let remaining = open[uid, default: 0] - 1
            open[uid] = remaining > 0 ? remaining : nil
        }
    }

    func openConnections(uid: UInt32?) -> Int { open.withLock { $0[uid, default: 0] } }
}
