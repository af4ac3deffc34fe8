import Foundation
import KoBERTKernels

/// softmax(Q·Kᵀ / √d)·V per sequence and head, over already projected Q, K, V.
/// transformers masks padded keys with the dtype minimum, which makes their weights exactly 0
/// after softmax; packed sequences give the same result by never looking past their own length.
struct SelfAttention {
    let heads: Int
    let hiddenSize: Int
    var headSize: Int { hiddenSize / heads }

    /// `scores` holds one longest × longest block per worker thread.
    func apply(query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
               into context: UnsafeMutablePointer<Float>, batch: PackedBatch,
               scores: UnsafeMutablePointer<Float>, threads: Int, profiler: ForwardProfiler? = nil) {
        let d = headSize, stride = hiddenSize, heads = heads
        // DistilBERT scales Q, BERT the scores; the same up to rounding.
        let scale = 1 / Float(d).squareRoot()
        let longest = batch.longest
        let starts = batch.starts, lengths = batch.lengths
        // Profiling hook: per-worker clocks (nil when serving), split over the call's wall time afterwards.
        let tasks = starts.count * heads, workers = max(1, min(threads, tasks))
        let slots = profiler?.attentionWorkers(workers)
        let started = profiler == nil ? 0 : ForwardProfiler.clock()
        parallelFor(tasks, threads: threads) { worker, task in
            let sequence = task / heads, head = task % heads
            let length = lengths[sequence]
            let offset = starts[sequence] * stride + head * d
            let block = scores + worker * longest * longest
            let t0 = slots == nil ? 0 : ForwardProfiler.clock()
            Kernels.sgemm(m: length, n: length, k: d, alpha: scale, a: query + offset, lda: stride,
                          b: key + offset, ldb: stride, bTransposed: true, c: block, ldc: length)
            let t1 = slots == nil ? 0 : ForwardProfiler.clock()
            for row in 0..<length { softmaxInPlace(block + row * length, length) }
            let t2 = slots == nil ? 0 : ForwardProfiler.clock()
            Kernels.sgemm(m: length, n: d, k: length, a: block, lda: length,
                          b: value + offset, ldb: stride, bTransposed: false, c: context + offset, ldc: stride)
            if let slots {
                let slot = ForwardProfiler.workerSlot(slots, worker)
                slot[0] += t1 - t0; slot[1] += t2 - t1; slot[2] += ForwardProfiler.clock() - t2
            }
        }
        if let profiler {
            let macs = lengths.reduce(0) { $0 + $1 * $1 } * heads * d
            profiler.finishAttention(wall: ForwardProfiler.clock() - started, workers: workers,
                                     scoreMACs: macs, contextMACs: macs)
        }
    }
}
