import Foundation

/// Open connections per peer uid (SO_PEERCRED), so that one user cannot hold every slot of
/// `max-connections` and lock the others out. Peers whose credentials cannot be read share
/// one count.
// @unchecked: `open` is read and written only under `lock`; `limit` is a `let`.
final class UIDConnectionLimit: @unchecked Sendable {
    let limit: Int
    private let lock = NSLock()
    private var open: [UInt32?: Int] = [:]

    init(limit: Int) { self.limit = max(1, limit) }

    /// Counts a connection of `uid` unless it already holds `limit`; each success needs one `release`.
    func tryOpen(uid: UInt32?) -> Bool {
        lock.lock(); defer { lock.unlock() }
        let current = open[uid, default: 0]
        guard current < limit else { return false }
        open[uid] = current + 1
        return true
    }

    func release(uid: UInt32?) {
        lock.lock(); defer { lock.unlock() }
        let remaining = open[uid, default: 0] - 1
        open[uid] = remaining > 0 ? remaining : nil
    }

    func openConnections(uid: UInt32?) -> Int { lock.lock(); defer { lock.unlock() }; return open[uid, default: 0] }
}
