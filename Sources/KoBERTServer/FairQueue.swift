/// Which connection a piece of work came from; the batcher takes turns between these.
public typealias ConnectionID = UInt64

/// Waiting items of one kind, a FIFO per connection, served round-robin: each turn takes one
/// item from the connection at the front of the rotation and sends that connection to the back.
/// So a connection that queued hundreds of texts gets one slot per turn, like one that queued
/// a single text, and the latter waits for about one batch, not for the whole backlog.
/// A connection that had nothing waiting joins ahead of those already being served from a
/// backlog (behind other newcomers): it has had no turn yet, and its item goes next.
struct FairQueue<Item> {
    /// One connection's items; `head` instead of `removeFirst` keeps taking O(1).
    private struct Lane {
        var items: [Item] = []
        var head = 0
        var isEmpty: Bool { head == items.count }
        mutating func popFirst() -> Item {
            let item = items[head]
            head += 1
            if head == items.count { items.removeAll(keepingCapacity: false); head = 0 }
            else if head >= 64 && head * 2 >= items.count { items.removeFirst(head); head = 0 }
            return item
        }
    }

    private var lanes: [ConnectionID: Lane] = [:]
    /// Connections with waiting items, in serving order (each appears once); the first
    /// `newcomers` of them have not been served since they joined.
    private var rotation: [ConnectionID] = []
    private var newcomers = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ item: Item, from connection: ConnectionID) {
        if lanes[connection] == nil {
            lanes[connection] = Lane()
            rotation.insert(connection, at: newcomers)
            newcomers += 1
        }
        lanes[connection]!.items.append(item)
        count += 1
    }

    /// The first waiting item of each connection (the oldest item is among them).
    var heads: [Item] { rotation.compactMap { lanes[$0].map { $0.items[$0.head] } } }

    /// Up to `limit` items in turn order; `accept` sees each next item with those taken so far
    /// and may stop the batch there (the first item is always taken). Connections whose next item
    /// is not `eligible` are passed over and keep their place in the turn.
    mutating func take(upTo limit: Int, eligible: (Item) -> Bool = { _ in true },
                       while accept: (Item, [Item]) -> Bool = { _, _ in true }) -> [Item] {
        var taken: [Item] = []
        var position = 0
        while taken.count < limit, position < rotation.count {
            let connection = rotation[position]
            guard let next = lanes[connection].map({ $0.items[$0.head] }) else {
                rotation.remove(at: position)
                if position < newcomers { newcomers -= 1 }
                continue
            }
            guard eligible(next) else { position += 1; continue }
            if !taken.isEmpty && !accept(next, taken) { break }
            // Popped in place (through the dictionary), so the lane's array is not copied.
            taken.append(lanes[connection]!.popFirst())
            count -= 1
            rotation.remove(at: position)
            if position < newcomers { newcomers -= 1 }
            if lanes[connection]!.isEmpty { lanes[connection] = nil } else { rotation.append(connection) }
        }
        return taken
    }
}
