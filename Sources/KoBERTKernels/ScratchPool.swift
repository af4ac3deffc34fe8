import Foundation

/// Reusable 64-byte-aligned scratch for the per-call buffers of the int8 products (quantized activations).
/// Buffers of several hundred KB come from mmap and are returned on free, so allocating them per call
/// page-faults every page again on each product; keeping a few around avoids that.
enum ScratchPool {
    private static let lock = NSLock()
    // Read and written only under `lock` (a Mutex cannot hand its raw pointers out as `sending`).
    nonisolated(unsafe) private static var spare: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
    private static let maxSpare = 8

    /// Calls body with at least `bytes` bytes of uninitialised scratch, which it must not keep.
    static func withBuffer<R>(bytes: Int, _ body: (UnsafeMutableRawPointer) -> R) -> R {
        let buffer = take(bytes)
        defer { give(buffer) }
        return body(buffer.pointer)
    }

    private static func take(_ bytes: Int) -> (pointer: UnsafeMutableRawPointer, bytes: Int) {
        lock.lock()
        if let index = spare.firstIndex(where: { $0.bytes >= bytes }) {
            let buffer = spare.remove(at: index)
            lock.unlock()
            return buffer
        }
        lock.unlock()
        return (.allocate(byteCount: max(bytes, 64), alignment: 64), max(bytes, 64))
    }

    private static func give(_ buffer: (pointer: UnsafeMutableRawPointer, bytes: Int)) {
        lock.lock()
        spare.append(buffer)
        spare.sort { $0.bytes < $1.bytes }   // smallest fitting buffer first
        var evicted: UnsafeMutableRawPointer? = nil
        if spare.count > maxSpare { evicted = spare.removeFirst().pointer }
        lock.unlock()
        evicted?.deallocate()
    }
}
