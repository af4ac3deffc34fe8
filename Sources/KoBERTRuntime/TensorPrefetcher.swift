import Foundation
import KoBERTCore
import KoBERTKernels
import KoBERTModel
import KoBERTFormat

/// Decodes tensors on a background thread in the order the encoder will ask for them, staying at
/// most `budget` bytes ahead of the consumer. Loading then overlaps decompression (here) with the
/// kernels' weight repacking (the caller), without holding the whole model twice.
// @unchecked: `ready`, `readyBytes`, `claimed`, `inFlight` and `stopped` are read and written only under `condition`;
// `order`, `budget` and the @Sendable `decode` are `let`s.
final class TensorPrefetcher: @unchecked Sendable {
    private let order: [PackedTensorEntry]
    private let decode: @Sendable (PackedTensorEntry) throws -> PackedWeights.Payload
    private let budget: Int
    private let condition = NSCondition()
    private var ready: [String: Result<PackedWeights.Payload, Error>] = [:]
    private var readyBytes = 0
    private var claimed: Set<String> = []
    private var inFlight: String? = nil
    private var stopped = false

    init(order: [PackedTensorEntry], budget: Int, decode: @escaping @Sendable (PackedTensorEntry) throws -> PackedWeights.Payload) {
        self.order = order; self.budget = budget; self.decode = decode
        let thread = Thread { [self] in self.work() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops decoding ahead (the remaining tensors are decoded on demand).
    func stop() {
        condition.lock(); stopped = true; condition.broadcast(); condition.unlock()
    }

    /// The payload of `entry`: prefetched, awaited if being decoded now, or decoded here.
    func take(_ entry: PackedTensorEntry) throws -> PackedWeights.Payload {
        condition.lock()
        claimed.insert(entry.name)
        while inFlight == entry.name { condition.wait() }
        if let result = ready.removeValue(forKey: entry.name) {
            readyBytes -= entry.data.rawSize
            condition.broadcast()
            condition.unlock()
            return try result.get()
        }
        condition.unlock()
        return try decode(entry)
    }

    private func work() {
        for entry in order {
            condition.lock()
            while !stopped && readyBytes > 0 && readyBytes + entry.data.rawSize > budget { condition.wait() }
            if stopped { condition.unlock(); return }
            if claimed.contains(entry.name) { condition.unlock(); continue }
            inFlight = entry.name
            condition.unlock()
            let result = Result { try decode(entry) }
            condition.lock()
            inFlight = nil
            ready[entry.name] = result
            readyBytes += entry.data.rawSize
            condition.broadcast()
            condition.unlock()
        }
    }
}
