/// The encoder's scratch memory for one forward pass, kept between calls so a steady stream
/// of requests allocates nothing once the largest batch has been seen.
final class Workspace {
    private(set) var rowCapacity = 0
    private(set) var longestCapacity = 0
    let hiddenSize: Int
    let intermediateSize: Int
    let threads: Int

    // rows × hidden
    private(set) var hidden = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    private(set) var query = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    private(set) var key = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    private(set) var value = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    private(set) var context = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    private(set) var attended = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    // rows × intermediate
    private(set) var intermediate = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    // threads × longest²: one block of attention scores per worker
    private(set) var scores = UnsafeMutablePointer<Float>.allocate(capacity: 0)

    init(hiddenSize: Int, intermediateSize: Int, threads: Int) {
        self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize; self.threads = max(1, threads)
    }

    /// Makes room for `rows` packed token rows whose longest sequence is `longest`.
    func reserve(rows: Int, longest: Int) {
        if rows > rowCapacity {
            let capacity = max(rows, rowCapacity * 3 / 2)
            for buffer in [hidden, query, key, value, context, attended, intermediate] { buffer.deallocate() }
            hidden = .allocate(capacity: capacity * hiddenSize)
            query = .allocate(capacity: capacity * hiddenSize)
            key = .allocate(capacity: capacity * hiddenSize)
            value = .allocate(capacity: capacity * hiddenSize)
            context = .allocate(capacity: capacity * hiddenSize)
            attended = .allocate(capacity: capacity * hiddenSize)
            intermediate = .allocate(capacity: capacity * intermediateSize)
            rowCapacity = capacity
        }
        if longest > longestCapacity {
            scores.deallocate()
            scores = .allocate(capacity: longest * longest * threads)
            longestCapacity = longest
        }
    }

    deinit {
        for buffer in [hidden, query, key, value, context, attended, intermediate, scores] { buffer.deallocate() }
    }
}
