import Dispatch

/// Splits work across cores. `threads <= 1` (or a single part) runs on the calling thread and spawns nothing.
enum Parallel {
    /// Calls `body(part, parts)` for part in 0..<parts, parts = min(threads, maxParts), concurrently.
    @inline(__always)
    static func run(threads: Int, maxParts: Int, _ body: (_ part: Int, _ parts: Int) -> Void) {
        let parts = max(1, min(threads, maxParts))
        if parts == 1 { body(0, 1); return }
        WorkerPool.run(parts: parts) { part in body(part, parts) }
    }

    /// The half-open slice of 0..<count that part `part` of `parts` owns (contiguous, sizes differ by ≤ 1).
    @inline(__always)
    static func slice(_ count: Int, part: Int, parts: Int) -> Range<Int> {
        let base = count / parts, extra = count % parts
        let start = part * base + min(part, extra)
        return start..<(start + base + (part < extra ? 1 : 0))
    }
}
