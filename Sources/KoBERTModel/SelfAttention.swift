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
               scores: UnsafeMutablePointer<Float>, threads: Int) {
        let d = headSize, stride = hiddenSize, heads = heads
        // DistilBERT scales Q, BERT the scores; the same up to rounding.
        let scale = 1 / Float(d).squareRoot()
        let longest = batch.longest
        let starts = batch.starts, lengths = batch.lengths
        parallelFor(starts.count * heads, threads: threads) { worker, task in
            let sequence = task / heads, head = task % heads
            let length = lengths[sequence]
            let offset = starts[sequence] * stride + head * d
            let block = scores + worker * longest * longest
            Kernels.sgemm(m: length, n: length, k: d, alpha: scale, a: query + offset, lda: stride,
                          b: key + offset, ldb: stride, bTransposed: true, c: block, ldc: length)
            for row in 0..<length { softmaxInPlace(block + row * length, length) }
            Kernels.sgemm(m: length, n: d, k: length, a: block, lda: length,
                          b: value + offset, ldb: stride, bTransposed: false, c: context + offset, ldc: stride)
        }
    }
}
